import { afterAll, afterEach, beforeAll, expect, it } from '@jest/globals';
import { SseTestClient, type SseEvent } from '@sluice/sse/testing';
import { buildPackages, NodeProcess } from './support/nodeProcess.js';
import { RedisMonitor } from './support/redisMonitor.js';
import { describeWithRedis, RedisServer } from './support/redisServer.js';

/** Polls until `probe` holds (cross-node state is eventually consistent); fails after `ms`. */
async function eventually(probe: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The data of every event a client got before the `marker` event with `data`. */
async function until(client: SseTestClient, data: string): Promise<SseEvent[]> {
  await client.waitFor((e) => e.type === 'marker' && e.data === data, { timeoutMs: 10_000 });
  const end = client.events.findIndex((e) => e.type === 'marker' && e.data === data);
  return client.events.slice(0, end).filter((e) => e.type !== 'marker');
}

describeWithRedis('several node processes on one redis', () => {
  let redis: RedisServer;
  let nodes: NodeProcess[] = [];
  let clients: SseTestClient[] = [];
  let prefix = 0;

  const startNodes = async (count: number, env: Record<string, string> = {}): Promise<NodeProcess[]> => {
    const shared = { REDIS_URL: redis.url, PREFIX: `cluster-${++prefix}`, HEARTBEAT_MS: '300', ...env };
    const started = await Promise.all(Array.from({ length: count }, () => NodeProcess.start(shared)));
    nodes.push(...started);
    return started;
  };
  const open = async (node: NodeProcess, identifier: string, lastEventId?: string): Promise<SseTestClient> => {
    const client = await SseTestClient.connect(node.url, `/s/${encodeURIComponent(identifier)}`, { lastEventId, timeoutMs: 10_000 });
    clients.push(client);
    return client;
  };
  const present = (node: NodeProcess, ...identifiers: string[]) =>
    eventually(async () => {
      const found = await node.presence();
      return identifiers.every((id) => found.includes(id));
    }, `presence of ${identifiers.join()}`);

  beforeAll(async () => {
    buildPackages();
    redis = await RedisServer.start();
  }, 120_000);

  afterEach(async () => {
    for (const client of clients) client.close();
    clients = [];
    for (const node of nodes) node.child.kill('SIGKILL');
    await Promise.all(nodes.map((node) => node.exited));
    nodes = [];
  });

  afterAll(async () => {
    await redis?.kill();
  });

  it('a broadcast reaches every stream on every node once, and every node delivers in one order', async () => {
    const [a, b, c] = await startNodes(3);
    const streams = [await open(a!, 'x-a'), await open(b!, 'x-b'), await open(c!, 'x-c'), await open(a!, 'x-a2')];
    await present(a!, 'x-a', 'x-b', 'x-c', 'x-a2');
    // Three nodes publish at once: their events interleave, but the same way everywhere.
    await Promise.all([
      a!.broadcast('from a', { count: 30 }),
      b!.broadcast('from b', { count: 30 }),
      c!.broadcast('from c', { count: 30 }),
    ]);
    // A node answers once it queued its events, before they reach Redis: wait for all 90
    // before the marker, or a slow node's events could follow it.
    for (const client of streams) {
      await eventually(() => client.events.filter((e) => e.data.startsWith('from ')).length >= 90, 'the 90 broadcasts');
    }
    await c!.broadcast('done', { event: 'marker' });
    const seen = await Promise.all(streams.map((client) => until(client, 'done')));
    const first = seen[0]!.map((e) => e.data);
    expect(first).toHaveLength(90);
    expect(new Set(first).size).toBe(90);
    for (const other of seen.slice(1)) expect(other.map((e) => e.data)).toEqual(first);
    // Each node's own events keep the order it sent them in.
    for (const origin of ['a', 'b', 'c']) {
      const mine = first.filter((data) => data.startsWith(`from ${origin}`));
      expect(mine).toEqual(Array.from({ length: 30 }, (_, i) => `from ${origin} ${i}`));
    }
    // Ids are in one increasing order.
    const offsets = seen[0]!.map((e) => Number(e.id.split('-')[1]));
    expect(offsets).toEqual([...offsets].sort((x, y) => x - y));
  });

  it('a prefix send reaches exactly the matching streams, and sendTo only the node that holds the stream', async () => {
    const [a, b] = await startNodes(2);
    const ops = await open(a!, 'user-ops-1');
    const opsElsewhere = await open(b!, 'user-ops-2');
    const dev = await open(b!, 'user-dev-1');
    await present(a!, 'user-ops-1', 'user-ops-2', 'user-dev-1');
    await a!.broadcast('for ops', { prefix: 'user-ops-' });

    // MONITOR shows every PUBLISH the scripts make: a send is published once, on its node's channel.
    const monitor = RedisMonitor.start(redis.port);
    await monitor.ready;
    expect(await a!.sendTo('user-dev-1', 'just for dev')).toBe(true);
    expect(await a!.sendTo('nobody-here', 'lost')).toBe(false);
    await a!.broadcast('done', { event: 'marker' });
    await monitor.stop();
    const published = monitor.commands('publish');
    const sendPublishes = published.filter((line) => line.includes('just for dev'));
    expect(sendPublishes).toHaveLength(1);
    expect(sendPublishes[0]).toMatch(new RegExp(`"cluster-${prefix}:node:[0-9a-f]+"`));
    expect(published.some((line) => line.includes('lost'))).toBe(false);

    expect((await until(ops, 'done')).map((e) => e.data)).toEqual(['for ops']);
    expect((await until(opsElsewhere, 'done')).map((e) => e.data)).toEqual(['for ops']);
    expect((await until(dev, 'done')).map((e) => e.data)).toEqual(['just for dev']);
  });

  it('presence forgets a stream that ended, a node that stopped, and a node that crashed after 3 missed beats', async () => {
    const [a, b, c] = await startNodes(3);
    const leaving = await open(a!, 'p-leaving');
    await open(b!, 'p-stopping');
    await open(c!, 'p-crashing');
    await present(a!, 'p-leaving', 'p-stopping', 'p-crashing');

    leaving.close();
    const closedAt = Date.now();
    await eventually(async () => !(await a!.presence()).includes('p-leaving'), 'p-leaving gone');
    expect(Date.now() - closedAt).toBeLessThan(1500);

    b!.terminate();
    await eventually(() => b!.output.includes('STOPPED'), 'b stopped');
    expect(await a!.presence()).not.toContain('p-stopping');

    await c!.crash();
    const crashedAt = Date.now();
    expect(await a!.presence()).toContain('p-crashing'); // not yet: its beats are not missed yet
    await eventually(async () => !(await a!.presence()).includes('p-crashing'), 'p-crashing gone');
    // 3 beats of 300 ms, with room for the machine's load.
    expect(Date.now() - crashedAt).toBeLessThan(3000);
  });

  it('a stopped node process exits by itself', async () => {
    const [a] = await startNodes(1);
    await open(a!, 'exits');
    a!.terminate();
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([a!.exited, new Promise((resolve) => (timer = setTimeout(resolve, 8000, 'still running')))]);
    clearTimeout(timer);
    expect(code).toBe(0);
  });

  it('Redis killed -9 and restarted under node processes: streams stay open, every event arrives once, in order', async () => {
    const [a, b] = await startNodes(2);
    const onA = await open(a!, 'kill-a');
    const onB = await open(b!, 'kill-b');
    await present(a!, 'kill-a', 'kill-b');
    let stop = false;
    let sent = 0;
    const pump = (async () => {
      while (!stop) {
        await Promise.all([a!.broadcast(`a ${sent}`), b!.broadcast(`b ${sent}`)]);
        sent++;
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 300));
    await redis.kill();
    await new Promise((resolve) => setTimeout(resolve, 500));
    await redis.restart();
    await new Promise((resolve) => setTimeout(resolve, 300));
    stop = true;
    await pump;
    await present(a!, 'kill-a', 'kill-b'); // announced again: Redis came back empty
    // Each node publishes what it held once its own connection is back: wait for all of it
    // before the marker, or the node that came back last could publish after it.
    for (const client of [onA, onB]) {
      await eventually(() => new Set(client.events.map((e) => e.data)).size >= sent * 2, 'every held event', 30_000);
    }
    await a!.broadcast('done', { event: 'marker' });
    const gotA = (await until(onA, 'done')).map((e) => e.data);
    const gotB = (await until(onB, 'done')).map((e) => e.data);
    expect(gotA).toHaveLength(sent * 2);
    expect(new Set(gotA).size).toBe(sent * 2);
    expect(gotB).toEqual(gotA);
    for (const origin of ['a', 'b']) {
      expect(gotA.filter((d) => d.startsWith(origin))).toEqual(Array.from({ length: sent }, (_, i) => `${origin} ${i}`));
    }
    expect(onA.closedBy).toBeUndefined();
    expect(onB.closedBy).toBeUndefined();
  }, 60_000);

  it('a stream resumes on another node with every event it missed, sends made while it was connected nowhere included', async () => {
    const [a, b] = await startNodes(2);
    const first = await open(a!, 'r-1');
    await present(b!, 'r-1');
    await b!.broadcast('before');
    const before = await first.waitFor((e) => e.data === 'before');
    first.close();
    await eventually(async () => !(await b!.presence()).includes('r-1'), 'r-1 gone');

    await b!.broadcast('missed broadcast');
    await b!.broadcast('missed prefix', { prefix: 'r-' });
    await b!.broadcast('not for it', { prefix: 'q-' });
    expect(await b!.sendTo('r-1', 'missed send')).toBe(false); // connected nowhere, but kept
    const resumed = await open(b!, 'r-1', before.id);
    await a!.broadcast('live', { event: 'marker' });
    const got = await until(resumed, 'live');
    expect(got.map((e) => e.data)).toEqual(['missed broadcast', 'missed prefix', 'missed send']);
    expect(resumed.events.filter((e) => e.type === 'gap')).toEqual([]);
  });
});
