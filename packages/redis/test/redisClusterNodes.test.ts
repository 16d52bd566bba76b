import { afterAll, afterEach, beforeAll, expect, it } from '@jest/globals';
import { SseTestClient, type SseEvent } from '@sluice/sse/testing';
import { buildPackages, NodeProcess } from './support/nodeProcess.js';
import { describeWithRedisCluster, RedisCluster } from './support/redisCluster.js';
import { RedisMonitor } from './support/redisMonitor.js';

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

describeWithRedisCluster('several node processes on a three-master Redis Cluster', () => {
  let redis: RedisCluster;
  let nodes: NodeProcess[] = [];
  let clients: SseTestClient[] = [];
  let prefix = 0;

  /** Starts node processes on the cluster (REDIS_CLUSTER: its root nodes), with a prefix of their own. */
  const startNodes = async (count: number): Promise<NodeProcess[]> => {
    const shared = { REDIS_CLUSTER: redis.rootNodes.join(','), PREFIX: `rc-nodes-${++prefix}`, HEARTBEAT_MS: '300' };
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
    redis = await RedisCluster.start();
  }, 120_000);

  afterEach(async () => {
    for (const client of clients) client.close();
    clients = [];
    for (const node of nodes) node.child.kill('SIGKILL');
    await Promise.all(nodes.map((node) => node.exited));
    nodes = [];
  });

  afterAll(async () => {
    await redis?.stop();
  });

  it('a broadcast reaches every stream on every node once, and every node delivers in one order', async () => {
    const [a, b, c] = await startNodes(3);
    const streams = [await open(a!, 'x-a'), await open(b!, 'x-b'), await open(c!, 'x-c'), await open(a!, 'x-a2')];
    await present(a!, 'x-a', 'x-b', 'x-c', 'x-a2');
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
    for (const origin of ['a', 'b', 'c']) {
      const mine = first.filter((data) => data.startsWith(`from ${origin}`));
      expect(mine).toEqual(Array.from({ length: 30 }, (_, i) => `from ${origin} ${i}`));
    }
    const offsets = seen[0]!.map((e) => Number(e.id.split('-')[1]));
    expect(offsets).toEqual([...offsets].sort((x, y) => x - y));
  });

  it('sendTo reaches its stream on another node: one SPUBLISH, on that node’s sharded channel, by the master of the prefix slot', async () => {
    const [a, b] = await startNodes(2);
    const target = await open(b!, 'user-dev-1');
    const other = await open(a!, 'user-ops-1');
    await present(a!, 'user-dev-1', 'user-ops-1');

    const owner = redis.masterOf(`{rc-nodes-${prefix}}`);
    const monitor = RedisMonitor.start(owner);
    await monitor.ready;
    expect(await a!.sendTo('user-dev-1', 'just for dev')).toBe(true);
    expect(await a!.sendTo('nobody-here', 'lost')).toBe(false);
    await a!.broadcast('done', { event: 'marker' });
    await monitor.stop();
    const published = monitor.commands('spublish');
    const sends = published.filter((line) => line.includes('just for dev'));
    expect(sends).toHaveLength(1);
    expect(sends[0]).toMatch(new RegExp(`"\\{rc-nodes-${prefix}\\}:node:[0-9a-f]+"`));
    expect(published.some((line) => line.includes('lost'))).toBe(false);

    expect((await until(target, 'done')).map((e) => e.data)).toEqual(['just for dev']);
    expect((await until(other, 'done')).map((e) => e.data)).toEqual([]);
  });

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
