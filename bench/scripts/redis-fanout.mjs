// Fan-out through the Redis backplane: 1 node × N clients vs 2 nodes × N/2 on one Redis (and the
// same host without Redis as the reference), n events of `size` bytes, one per macrotask.
// Reports delivered events/s, server CPU per delivered event (Sluice nodes, and Redis apart), and
// publish → client latency p50/p99 on the node that did not publish (on the only node for 1 node).
//
//   cd bench && npm run build:redis && node scripts/redis-fanout.mjs        # N=5000, n=100, size=64
//   CLIENTS=1000 EVENTS=100 SIZE=64 ROUNDS=3 GAP_MS=10 node scripts/redis-fanout.mjs
//
// Configurations, each in fresh processes: raw node:http (servers/raw-sse-stamped), Sluice without
// Redis, 1 node on Redis, 2 nodes on Redis, and 1 node with half the clients without Redis (the
// latency reference for the 2-node run: the same clients per node, no Redis hop).
//
// Servers and redis-server are pinned to core 0, this load process to core 1 (taskset).
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import net from 'node:net';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

const CLIENTS = Number(process.env.CLIENTS ?? 5000);
const EVENTS = Number(process.env.EVENTS ?? 100);
const SIZE = Number(process.env.SIZE ?? 64);
const ROUNDS = Number(process.env.ROUNDS ?? 1);
// 0: the events go out as a burst (one per macrotask); > 0: one every GAP_MS ms, for latency without queueing.
const GAP_MS = Number(process.env.GAP_MS ?? 0);
const server = fileURLToPath(new URL('../servers/sluice-redis/server.mjs', import.meta.url));
const rawServer = fileURLToPath(new URL('../servers/raw-sse-stamped/server.mjs', import.meta.url));
const hasTaskset = spawnSync('taskset', ['-V']).status === 0;

const children = new Set();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

function pinned(command, args, options) {
  const child = hasTaskset ? spawn('taskset', ['-c', '0', command, ...args], options) : spawn(command, args, options);
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

function cpuNs(pid) {
  let total = 0;
  for (const task of fs.readdirSync(`/proc/${pid}/task`))
    total += Number(fs.readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
  return total;
}

async function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function startRedis() {
  const port = await freePort();
  const child = pinned('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => (s.destroy(), resolve(true)));
      s.on('error', () => resolve(false));
    });
    if (ok) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  // The real pid (taskset execs, so it is the same process).
  return { port, child, pid: child.pid };
}

async function startNode(redisUrl, script = server) {
  const child = pinned(process.execPath, [script], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, REDIS_URL: redisUrl ?? '' },
  });
  const port = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /READY (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`node exited ${code}`)));
  });
  return { port, child, pid: child.pid };
}

class Client {
  constructor(port, id, measure) {
    this.port = port;
    this.id = id;
    this.measure = measure;
    this.count = 0;
    this.next = 1;
    this.errors = 0;
    this.tail = '';
    this.latencies = [];
  }
  open() {
    return new Promise((resolve, reject) => {
      const socket = (this.socket = net.connect(this.port, '127.0.0.1', () =>
        socket.write(`GET /sse?id=c${this.id} HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n`),
      ));
      socket.setEncoding('latin1');
      let headed = false;
      socket.on('data', (text) => {
        if (!headed) {
          const end = text.indexOf('\r\n\r\n');
          if (end < 0) return;
          headed = true;
          resolve();
          text = text.slice(end + 4);
        }
        this.scan(text);
      });
      socket.on('error', reject);
    });
  }
  scan(text) {
    const now = performance.timeOrigin + performance.now();
    const all = this.tail + text;
    const lastNl = all.lastIndexOf('\n');
    this.tail = all.slice(lastNl + 1);
    let at = 0;
    for (;;) {
      const i = all.indexOf('data: ', at);
      if (i < 0 || i > lastNl) break;
      const sp = all.indexOf(' ', i + 6);
      const seq = Number(all.slice(i + 6, sp));
      if (seq !== this.next) this.errors++;
      this.next = seq + 1;
      this.count++;
      if (this.measure) this.latencies.push(now - Number(all.slice(sp + 1, all.indexOf(' ', sp + 1))));
      at = sp;
    }
  }
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

// Calls per command since Redis started (`INFO commandstats`): commands a script runs count too.
function commandStats(port) {
  const text = execFileSync('redis-cli', ['-p', String(port), 'INFO', 'commandstats'], { encoding: 'utf8' });
  const calls = {};
  for (const m of text.matchAll(/^cmdstat_([a-z|_-]+):calls=(\d+)/gm)) calls[m[1]] = Number(m[2]);
  return calls;
}

// mode: 'raw' (raw node:http), 'local' (Sluice without Redis) or 'redis' (Sluice on the backplane).
async function measure(label, nodeCount, mode, clientCount = CLIENTS) {
  const redis = mode === 'redis' ? await startRedis() : undefined;
  const url = redis ? `redis://127.0.0.1:${redis.port}` : undefined;
  const nodes = [];
  for (let i = 0; i < nodeCount; i++) nodes.push(await startNode(url, mode === 'raw' ? rawServer : server));
  const clients = [];
  const perNode = Math.ceil(clientCount / nodeCount);
  for (let i = 0; i < clientCount; i++) {
    const node = Math.floor(i / perNode);
    // Latency is measured on the node that does not publish (node 0 publishes), or on the only one.
    clients.push(new Client(nodes[node].port, i, nodeCount === 1 || node > 0));
  }
  if (process.env.DEBUG)
    console.error(
      label,
      'nodes up',
      nodes.map((n) => n.port),
    );
  for (let i = 0; i < clients.length; i += 200) await Promise.all(clients.slice(i, i + 200).map((c) => c.open()));
  for (const node of nodes) {
    for (;;) {
      const { count } = await (await fetch(`http://127.0.0.1:${node.port}/count`)).json();
      if (count >= Math.min(perNode, clientCount)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  if (process.env.DEBUG) console.error(label, 'clients registered');
  await new Promise((r) => setTimeout(r, 300)); // presence settles
  // One unmeasured round first: JIT warm-up, and Redis connections and scripts in use.
  await fetch(`http://127.0.0.1:${nodes[0].port}/broadcast?n=${EVENTS}&size=${SIZE}&gap=${GAP_MS}`, { method: 'POST' });
  const warm = Date.now() + 60_000;
  while (clients.some((c) => c.count < EVENTS) && Date.now() < warm) await new Promise((r) => setTimeout(r, 5));
  for (const c of clients) {
    c.count = 0;
    c.next = 1;
    c.latencies = [];
  }
  const cpuBefore = nodes.map((n) => cpuNs(n.pid));
  const redisBefore = redis ? cpuNs(redis.pid) : 0;
  const statsBefore = redis ? commandStats(redis.port) : {};
  const began = performance.now();
  await fetch(`http://127.0.0.1:${nodes[0].port}/broadcast?n=${EVENTS}&size=${SIZE}&gap=${GAP_MS}`, { method: 'POST' });
  const expected = clientCount * EVENTS;
  const deadline = Date.now() + 120_000;
  while (clients.reduce((sum, c) => sum + c.count, 0) < expected && Date.now() < deadline) await new Promise((r) => setImmediate(r));
  const elapsedMs = performance.now() - began;
  const delivered = clients.reduce((sum, c) => sum + c.count, 0);
  const nodeCpu = nodes.reduce((sum, n, i) => sum + cpuNs(n.pid) - cpuBefore[i], 0);
  const redisCpu = redis ? cpuNs(redis.pid) - redisBefore : 0;
  const statsAfter = redis ? commandStats(redis.port) : {};
  // Per broadcast: EVALSHA calls (what a node sends), and every command Redis ran (the script's too;
  // heartbeats of the nodes during the run included, so this is an upper bound).
  const perBroadcast = (name) => +(((statsAfter[name] ?? 0) - (statsBefore[name] ?? 0)) / EVENTS).toFixed(2);
  const allCommands = Object.keys(statsAfter).reduce((sum, name) => sum + (statsAfter[name] - (statsBefore[name] ?? 0)), 0);
  const latencies = clients.flatMap((c) => c.latencies).sort((a, b) => a - b);
  const orderErrors = clients.reduce((sum, c) => sum + c.errors, 0);
  for (const c of clients) c.socket.destroy();
  for (const n of nodes) n.child.kill('SIGKILL');
  redis?.child.kill('SIGKILL');
  await new Promise((r) => setTimeout(r, 300));
  return {
    label,
    delivered,
    expected,
    orderErrors,
    eventsPerSec: Math.round(delivered / (elapsedMs / 1000)),
    nodeCpuUsPerEvent: +(nodeCpu / 1000 / delivered).toFixed(3),
    redisCpuUs: Math.round(redisCpu / 1000),
    evalshaPerBroadcast: redis ? perBroadcast('evalsha') : undefined,
    redisCommandsPerBroadcast: redis ? +(allCommands / EVENTS).toFixed(2) : undefined,
    latencyP50Ms: +percentile(latencies, 50).toFixed(2),
    latencyP99Ms: +percentile(latencies, 99).toFixed(2),
  };
}

async function main() {
  if (spawnSync('redis-server', ['--version']).status !== 0) throw new Error('redis-server is not installed');
  const half = Math.ceil(CLIENTS / 2);
  const configs = [
    ['raw', `raw node:http × ${CLIENTS}`, 1, 'raw', CLIENTS],
    ['single', `1 node × ${CLIENTS}, no Redis`, 1, 'local', CLIENTS],
    ['redis1', `1 node × ${CLIENTS}, Redis`, 1, 'redis', CLIENTS],
    ['redis2', `2 nodes × ${half}, Redis`, 2, 'redis', CLIENTS],
    // The same clients per node as the 2-node run, without the Redis hop: the latency reference.
    ['half', `1 node × ${half}, no Redis`, 1, 'local', half],
  ];
  const results = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const [key, label, count, mode, clientCount] of round % 2 === 0 ? configs : [...configs].reverse()) {
      const result = await measure(label, count, mode, clientCount);
      results.push({ key, round, ...result });
      console.log(JSON.stringify({ key, round, ...result }));
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const summary = {};
  for (const [key, label] of configs) {
    const rs = results.filter((r) => r.key === key);
    summary[key] = {
      label,
      eventsPerSec: median(rs.map((r) => r.eventsPerSec)),
      cpuUs: median(rs.map((r) => r.nodeCpuUsPerEvent)),
      p50: median(rs.map((r) => r.latencyP50Ms)),
      p99: median(rs.map((r) => r.latencyP99Ms)),
      evalsha: rs[0].evalshaPerBroadcast,
      commands: rs[0].redisCommandsPerBroadcast,
      orderErrors: rs.reduce((sum, r) => sum + r.orderErrors, 0),
      lost: rs.reduce((sum, r) => sum + r.expected - r.delivered, 0),
    };
  }
  console.log(`\n${CLIENTS} clients, ${EVENTS} × ${SIZE} B, gap ${GAP_MS} ms, median of ${ROUNDS} round(s)`);
  console.table(
    Object.values(summary).map((s) => ({
      configuration: s.label,
      'events/s': s.eventsPerSec,
      'CPU µs/event': s.cpuUs,
      '× single-node': +(s.cpuUs / summary.single.cpuUs).toFixed(2),
      '× raw': +(s.cpuUs / summary.raw.cpuUs).toFixed(2),
      'p50 ms': s.p50,
      'p99 ms': s.p99,
      'EVALSHA/broadcast': s.evalsha ?? '',
      'Redis commands/broadcast': s.commands ?? '',
      'order errors': s.orderErrors,
      lost: s.lost,
    })),
  );
  console.log(
    `added latency (2 nodes × ${half} on Redis, a client on the node that did not publish, minus 1 node × ${half} without Redis): ` +
      `p50 ${(summary.redis2.p50 - summary.half.p50).toFixed(2)} ms, p99 ${(summary.redis2.p99 - summary.half.p99).toFixed(2)} ms`,
  );
  console.log(
    `per-node CPU per delivered event, 2 nodes on Redis: ${(summary.redis2.cpuUs / summary.single.cpuUs).toFixed(2)}× single-node Sluice, ` +
      `${(summary.redis2.cpuUs / summary.raw.cpuUs).toFixed(2)}× raw node:http`,
  );
}

if (hasTaskset && process.env.PINNED !== '1') {
  // Re-run this script on core 1; the servers it starts go on core 0.
  const child = spawn('taskset', ['-c', '1', process.execPath, fileURLToPath(import.meta.url)], {
    stdio: 'inherit',
    env: { ...process.env, PINNED: '1' },
  });
  child.on('exit', (code) => process.exit(code ?? 1));
} else {
  await main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
