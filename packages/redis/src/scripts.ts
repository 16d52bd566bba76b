import { createHash } from 'node:crypto';

/**
 * The Lua scripts of the backplane. Each runs atomically in Redis, so a
 * publication (offset, history, trim record, PUBLISH) is one step: no node can
 * see an offset without its history entry, or the other way round.
 *
 * Sent with EVALSHA (the sha is computed here, the body sent once per
 * connection by SCRIPT LOAD); a Redis that restarted answers NOSCRIPT, and the
 * caller loads the scripts again.
 */
export class LuaScript {
  readonly sha: string;
  constructor(
    readonly name: string,
    readonly source: string,
  ) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }
}

const common = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- The epoch names this incarnation of the data: a missing meta hash means Redis lost
-- it (or never had it), so offsets start again and old ids must not match new ones.
-- seen_epoch, seen_offset (optional): the newest offset a node delivered, and its epoch.
-- A counter behind it in the same epoch means Redis came back from an older copy of
-- its data (an RDB snapshot, an AOF without its last writes): the offsets after that
-- copy were handed out already, and handing them out again would make every node drop
-- the new events as duplicates. That is a data loss too: the data of the epoch goes,
-- and a new epoch starts.
local function ensure_epoch(meta, trim, candidate, bus, seen_epoch, seen_offset)
  local epoch = redis.call('HGET', meta, 'epoch')
  if epoch then
    if epoch ~= seen_epoch then return epoch end
    if tonumber(redis.call('HGET', meta, 'offset') or '0') >= tonumber(seen_offset) then return epoch end
    redis.call('DEL', meta)
  end
  redis.call('DEL', trim, bus)
  redis.call('HSET', meta, 'epoch', candidate, 'born', now_ms())
  return candidate
end

-- Per publisher, sequences commit in order and once: 'dup' (already committed: a
-- retry whose first answer was lost), 'early' (its predecessor has not committed), 'new'.
local function check_seq(meta, publisher, seq)
  local last = redis.call('HGET', meta, 's:' .. publisher)
  if last then
    last = tonumber(last)
    if seq <= last then return 'dup' end
    if seq > last + 1 then return 'early' end
  end
  return 'new'
end

-- Appends at entry id <offset>-0. With exact trimming, records the last offset the
-- trim evicted, so that a replay can tell an id older than the history.
local function append(key, trim, trim_field, maxlen, exact, offset, msg)
  if exact then
    local len = redis.call('XLEN', key)
    if len >= maxlen then
      local old = redis.call('XRANGE', key, '-', '+', 'COUNT', len - maxlen + 1)
      redis.call('HSET', trim, trim_field, string.match(old[#old][1], '^(%d+)'))
    end
  end
  local id = offset .. '-0'
  local added
  if exact then
    added = redis.pcall('XADD', key, 'MAXLEN', maxlen, id, 'm', msg)
  else
    added = redis.pcall('XADD', key, 'MAXLEN', '~', maxlen, id, 'm', msg)
  end
  if type(added) == 'table' and added.err then
    -- Entries from before a partial data loss sit above the new offsets: start the stream over.
    redis.call('DEL', key)
    if exact then redis.call('HSET', trim, trim_field, offset - 1) end
    redis.call('XADD', key, 'MAXLEN', maxlen, id, 'm', msg)
  end
end

local function forget_members(presence, members, node)
  local ids = redis.call('SMEMBERS', members)
  for _, id in ipairs(ids) do
    if redis.call('HGET', presence, id) == node then redis.call('HDEL', presence, id) end
  end
  redis.call('DEL', members)
end
`;

/**
 * A broadcast or prefix send. KEYS: meta, trim, bus stream. ARGV: epoch candidate,
 * history length (0: only a recovery window), publisher, seq, tail, bus channel,
 * recovery length, publish command (PUBLISH, or SPUBLISH on a Redis Cluster).
 * Returns {status, epoch, offset}: 1 published, 2 duplicate, 3 early.
 */
export const publishScript = new LuaScript(
  'publish',
  `${common}
local meta, trim, bus = KEYS[1], KEYS[2], KEYS[3]
local epoch = ensure_epoch(meta, trim, ARGV[1], bus)
local seq = tonumber(ARGV[4])
local state = check_seq(meta, ARGV[3], seq)
if state == 'dup' then return {2, epoch, 0} end
if state == 'early' then return {3, epoch, 0} end
local offset = redis.call('HINCRBY', meta, 'offset', 1)
local prev = redis.call('HGET', meta, 'bus') or '0'
local msg = epoch .. '|' .. offset .. '|' .. prev .. '|' .. ARGV[3] .. '|' .. ARGV[4] .. '|' .. ARGV[5]
local maxlen = tonumber(ARGV[2])
if maxlen > 0 then
  append(bus, trim, 'bus', maxlen, true, offset, msg)
else
  append(bus, trim, 'bus', tonumber(ARGV[7]), false, offset, msg)
end
redis.call('HSET', meta, 'bus', offset, 's:' .. ARGV[3], seq)
-- PUBLISH, or SPUBLISH on a Redis Cluster (sharded pub/sub: the channel carries the
-- keys' hash tag, so it is in this script's slot, and only that shard carries it).
redis.call(ARGV[8], ARGV[6], msg)
return {1, epoch, offset}
`,
);

/**
 * A send to one identifier: kept in its history, and published on the channel of
 * the node that holds it (only there). While presence is being rebuilt after Redis
 * lost its data, a send to an identifier not (yet) announced goes on the bus, so the
 * node that still holds the stream gets it. KEYS: meta, trim, bus stream, identifier
 * stream, presence, nodes. ARGV: epoch candidate, history length, publisher, seq,
 * tail, bus channel, recovery length, identifier, key stem, node channel stem,
 * publish command (PUBLISH, or SPUBLISH on a Redis Cluster).
 * Returns {status, epoch, offset, connected}.
 */
export const sendToScript = new LuaScript(
  'sendTo',
  `${common}
local meta, trim, bus, history, presence, nodes = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local epoch = ensure_epoch(meta, trim, ARGV[1], bus)
local now = now_ms()
local channel, stream, prev_field
local target = redis.call('HGET', presence, ARGV[8])
if target then
  local deadline = redis.call('ZSCORE', nodes, target)
  if deadline and tonumber(deadline) > now then
    channel = ARGV[10] .. target
    stream = ARGV[9] .. ':h:node:' .. target
    prev_field = 'n:' .. target
  end
end
if not channel and tonumber(redis.call('HGET', meta, 'rebuild') or '0') > now then
  channel = ARGV[6]
  stream = bus
  prev_field = 'bus'
end
local connected = 0
if channel then connected = 1 end
local seq = tonumber(ARGV[4])
local state = check_seq(meta, ARGV[3], seq)
if state == 'dup' then return {2, epoch, 0, connected} end
if state == 'early' then return {3, epoch, 0, connected} end
local offset = redis.call('HINCRBY', meta, 'offset', 1)
local prev = '0'
if channel then prev = redis.call('HGET', meta, prev_field) or '0' end
local msg = epoch .. '|' .. offset .. '|' .. prev .. '|' .. ARGV[3] .. '|' .. ARGV[4] .. '|' .. ARGV[5]
local maxlen = tonumber(ARGV[2])
if maxlen > 0 then append(history, trim, 'id:' .. ARGV[8], maxlen, true, offset, msg) end
redis.call('HSET', meta, 's:' .. ARGV[3], seq)
if channel then
  if stream == bus and maxlen > 0 then
    append(bus, trim, 'bus', maxlen, true, offset, msg)
  else
    append(stream, trim, '', tonumber(ARGV[7]), false, offset, msg)
  end
  redis.call('HSET', meta, prev_field, offset)
  -- PUBLISH, or SPUBLISH on a Redis Cluster (the channel then carries the keys' hash tag).
  redis.call(ARGV[11], channel, msg)
end
return {1, epoch, offset, connected}
`,
);

/**
 * A node's heartbeat: it stays alive until now + ttl (Redis's clock, so node
 * clocks need not agree); nodes past their time are reaped (their identifiers
 * leave presence). KEYS: meta, nodes, presence, trim, bus stream. ARGV: node, ttl,
 * key stem, '1' when this node announced itself before, epoch candidate,
 * rebuild window, the epoch and newest offset this node delivered ('' and 0 before
 * its first delivery). Returns {added, epoch, bus offset, node channel offset}; added
 * is 1 when Redis did not know this node (then it announces its streams again).
 */
export const heartbeatScript = new LuaScript(
  'heartbeat',
  `${common}
local meta, nodes, presence, trim, bus = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local node, stem = ARGV[1], ARGV[3]
local now = now_ms()
local epoch = ensure_epoch(meta, trim, ARGV[5], bus, ARGV[7], ARGV[8])
local added = redis.call('ZADD', nodes, now + tonumber(ARGV[2]), node)
if added == 1 and ARGV[4] == '1' then
  -- This node was known before and Redis forgot it: presence is being rebuilt.
  redis.call('HSET', meta, 'rebuild', now + tonumber(ARGV[6]))
end
local dead = redis.call('ZRANGEBYSCORE', nodes, '-inf', now)
for _, gone in ipairs(dead) do
  forget_members(presence, stem .. ':members:' .. gone, gone)
  redis.call('DEL', stem .. ':h:node:' .. gone)
  redis.call('HDEL', meta, 'n:' .. gone, 's:' .. gone)
  redis.call('ZREM', nodes, gone)
end
return {added, epoch, redis.call('HGET', meta, 'bus') or '0', redis.call('HGET', meta, 'n:' .. node) or '0'}
`,
);

/**
 * Joins and leaves of this node's streams, in the order they happened.
 * KEYS: presence, this node's members. ARGV: node, then pairs of op and identifier:
 * j (joined), l (left: only if this node still holds it), r (forget all of this node's).
 */
export const presenceOpsScript = new LuaScript(
  'presenceOps',
  `${common}
local presence, members, node = KEYS[1], KEYS[2], ARGV[1]
for i = 2, #ARGV, 2 do
  local op, id = ARGV[i], ARGV[i + 1]
  if op == 'j' then
    redis.call('HSET', presence, id, node)
    redis.call('SADD', members, id)
  elseif op == 'l' then
    if redis.call('HGET', presence, id) == node then redis.call('HDEL', presence, id) end
    redis.call('SREM', members, id)
  elseif op == 'r' then
    forget_members(presence, members, node)
  end
end
return 1
`,
);

/** Identifiers held by live nodes. KEYS: presence, nodes. ARGV: prefix ('' for all). */
export const presenceQueryScript = new LuaScript(
  'presenceQuery',
  `${common}
local now = now_ms()
local prefix = ARGV[1]
local alive = {}
local out = {}
local flat = redis.call('HGETALL', KEYS[1])
for i = 1, #flat, 2 do
  local id, node = flat[i], flat[i + 1]
  if prefix == '' or string.sub(id, 1, #prefix) == prefix then
    local ok = alive[node]
    if ok == nil then
      local deadline = redis.call('ZSCORE', KEYS[2], node)
      ok = (deadline and tonumber(deadline) > now) or false
      alive[node] = ok
    end
    if ok then out[#out + 1] = id end
  end
end
return out
`,
);

/**
 * The history after an offset, for a replay: {1, bus entries, identifier entries},
 * or {0} when the id's epoch is not the current one, its offset was never
 * reached, or an entry after it was evicted. KEYS: meta, trim, bus stream,
 * identifier stream. ARGV: epoch, offset, identifier.
 */
export const replayScript = new LuaScript(
  'replay',
  `
local meta, trim = KEYS[1], KEYS[2]
if redis.call('HGET', meta, 'epoch') ~= ARGV[1] then return {0} end
local after = tonumber(ARGV[2])
if after > tonumber(redis.call('HGET', meta, 'offset') or '0') then return {0} end
if tonumber(redis.call('HGET', trim, 'bus') or '0') > after then return {0} end
if tonumber(redis.call('HGET', trim, 'id:' .. ARGV[3]) or '0') > after then return {0} end
local start = '(' .. ARGV[2] .. '-0'
return {1, redis.call('XRANGE', KEYS[3], start, '+'), redis.call('XRANGE', KEYS[4], start, '+')}
`,
);

/**
 * What a node missed on its channels: {epoch, bus entries after an offset, node
 * entries after an offset}. Redis behind the node (see ensure_epoch) starts a new
 * epoch first. KEYS: meta, bus stream, node stream, trim. ARGV: bus offset, node
 * offset, the node's epoch, epoch candidate.
 */
export const recoverScript = new LuaScript(
  'recover',
  `${common}
local seen = math.max(tonumber(ARGV[1]), tonumber(ARGV[2]))
if redis.call('EXISTS', KEYS[1]) == 1 then ensure_epoch(KEYS[1], KEYS[4], ARGV[4], KEYS[2], ARGV[3], seen) end
return {
  redis.call('HGET', KEYS[1], 'epoch') or '',
  redis.call('XRANGE', KEYS[2], '(' .. ARGV[1] .. '-0', '+'),
  redis.call('XRANGE', KEYS[3], '(' .. ARGV[2] .. '-0', '+'),
}
`,
);

/** A node leaving for good. KEYS: presence, members, nodes, meta, node stream. ARGV: node. */
export const leaveScript = new LuaScript(
  'leave',
  `${common}
forget_members(KEYS[1], KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('HDEL', KEYS[4], 'n:' .. ARGV[1], 's:' .. ARGV[1])
redis.call('DEL', KEYS[5])
return 1
`,
);

export const allScripts: readonly LuaScript[] = [
  publishScript,
  sendToScript,
  heartbeatScript,
  presenceOpsScript,
  presenceQueryScript,
  replayScript,
  recoverScript,
  leaveScript,
];
