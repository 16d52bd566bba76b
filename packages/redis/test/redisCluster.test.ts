import 'reflect-metadata';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { HttpServer, type HttpHost } from '@sluice/core';
import { EventSourceRegistry, ssePlugin } from '@sluice/sse';
import { SseTestClient, type SseEvent } from '@sluice/sse/testing';
import { redisBackplane, RedisErrorCodes, type RedisBackplaneOptions } from '@sluice/redis';
import { hashSlot } from '../src/connection/hashSlot.js';
import { startHost, thrownBy, type StartedHost } from '../../../test/support/host.js';
import { buildPackages } from './support/nodeProcess.js';
import { describeWithRedisCluster, RedisCluster } from './support/redisCluster.js';
import { RedisMonitor } from './support/redisMonitor.js';
import { freePort } from './support/redisServer.js';

async function eventually(probe: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(client: SseTestClient, data: string, timeoutMs = 10_000): Promise<SseEvent[]> {
  await client.waitFor((e) => e.type === 'marker' && e.data === data, { timeoutMs });
  const end = client.events.findIndex((e) => e.type === 'marker' && e.data === data);
  return client.events.slice(0, end).filter((e) => e.type !== 'marker');
}

/** The lines of a redis-cli list reply (none for an empty list). */
const lines = (output: string): string[] => output.split('\n').filter((line) => line !== '');

describeWithRedisCluster('the redis backplane on a Redis Cluster: sharded pub/sub, your cluster client, faults', () => {
  let redis: RedisCluster;
  let hosts: StartedHost[] = [];
  let clients: SseTestClient[] = [];
  let prefix = 0;
  const current = (): string => `rc-${prefix}`;

  const node = async (options: Partial<RedisBackplaneOptions> = {}): Promise<HttpHost> => {
    const started = await startHost(
      HttpServer.createBuilder()
        .usePlugin(ssePlugin())
        .usePlugin(
          redisBackplane({
            ...(options.client === undefined ? { cluster: { rootNodes: redis.rootNodes } } : {}),
            channelPrefix: current(),
            heartbeatMs: 300,
            ...options,
          }),
        ),
    );
    started.host.router.get('/s/:id', async (req) => {
      const sse = req.getEventSource(req.params.id);
      await sse.keepAlive();
      return sse.close();
    });
    hosts.push(started);
    return started.host;
  };
  const registry = (host: HttpHost) => host.container.get(EventSourceRegistry);
  const open = async (host: HttpHost, identifier: string, lastEventId?: string): Promise<SseTestClient> => {
    const client = await SseTestClient.connect(host.url, `/s/${encodeURIComponent(identifier)}`, { lastEventId, timeoutMs: 10_000 });
    clients.push(client);
    await eventually(() => registry(host).getByIdentifier(identifier) !== undefined, `${identifier} registered`);
    return client;
  };
  const present = (host: HttpHost, ...identifiers: string[]) =>
    eventually(async () => {
      const found = await registry(host)
        .presence()
        .catch((): string[] => []);
      return identifiers.every((id) => found.includes(id));
    }, `presence of ${identifiers.join()}`);

  beforeAll(async () => {
    redis = await RedisCluster.start();
  }, 60_000);

  beforeEach(() => {
    prefix++;
  });

  afterEach(async () => {
    for (const client of clients) client.close();
    clients = [];
    await Promise.all(hosts.map((host) => host.stop()));
    hosts = [];
  });

  afterAll(async () => {
    await redis?.stop();
  });

  it('computes the slot of a key as Redis does (CLUSTER KEYSLOT)', () => {
    for (const key of ['sluice', '{sluice}', '{sluice}:meta', 'a{b}c', '{}x', 'x{}{y}', 'a{b', 'a}b{c}', '{ü-é}', 'rc-1', '{rc-1}:bus']) {
      expect([key, hashSlot(key)]).toEqual([key, Number(redis.cli(redis.ports[0]!, 'CLUSTER', 'KEYSLOT', key))]);
    }
  });

  it('uses sharded pub/sub: its channels are shard channels of the master of the prefix slot, and no node has a classic one', async () => {
    const host = await node();
    const stream = await open(host, 'sharded-1');
    await present(host, 'sharded-1');
    const owner = redis.masterOf(`{${current()}}`);
    for (const port of redis.ports) {
      expect([port, lines(redis.cli(port, 'PUBSUB', 'CHANNELS'))]).toEqual([port, []]);
      const shard = lines(redis.cli(port, 'PUBSUB', 'SHARDCHANNELS')).sort();
      if (port === owner) {
        expect(shard).toEqual([`{${current()}}:bus`, expect.stringMatching(new RegExp(`^\\{${current()}\\}:node:[0-9a-f]+$`))]);
      } else {
        expect([port, shard]).toEqual([port, []]);
      }
    }
    // The scripts publish with SPUBLISH (MONITOR shows the commands scripts run), never PUBLISH.
    const monitor = RedisMonitor.start(owner);
    await monitor.ready;
    registry(host).broadcast('sharded');
    await expect(registry(host).sendTo('sharded-1', 'direct')).resolves.toBe(true);
    registry(host).broadcast('done', { event: 'marker' });
    expect((await until(stream, 'done')).map((e) => e.data)).toEqual(['sharded', 'direct']);
    await monitor.stop();
    expect(monitor.commands('spublish').filter((line) => /sharded|direct/.test(line))).toHaveLength(2);
    expect(monitor.commands('publish')).toEqual([]);
  });

  it('a cluster client you pass (createCluster) is used, left open at stop, and its shard subscriptions for the backplane removed', async () => {
    const { createCluster } = await import('redis');
    const cluster = createCluster({ rootNodes: redis.rootNodes.map((url) => ({ url })) });
    cluster.on('error', () => undefined);
    await cluster.connect();
    try {
      const host = await node({ client: cluster });
      const stream = await open(host, 'mine');
      await present(host, 'mine');
      registry(host).broadcast('through your cluster');
      expect((await stream.next()).data).toBe('through your cluster');
      const owner = redis.masterOf(`{${current()}}`);
      expect(lines(redis.cli(owner, 'PUBSUB', 'SHARDCHANNELS'))).toHaveLength(2);
      stream.close();
      await hosts.pop()!.stop();
      expect(cluster.isReady).toBe(true);
      await cluster.set(`{${current()}}:yours`, 'still works');
      expect(await cluster.get(`{${current()}}:yours`)).toBe('still works');
      expect(lines(redis.cli(owner, 'PUBSUB', 'SHARDCHANNELS'))).toEqual([]);
    } finally {
      cluster.destroy();
    }
  });

  it('the master of the prefix slot killed -9 and restarted mid-stream: no stream closes, and every event arrives once, in one order', async () => {
    const a = await node();
    const b = await node();
    const onA = await open(a, 'k-a');
    const onB = await open(b, 'k-b');
    await present(a, 'k-a', 'k-b');
    const owner = redis.masterOf(`{${current()}}`);
    const sent: string[] = [];
    let stop = false;
    const pump = (async () => {
      for (let i = 0; !stop; i++) {
        const from = i % 2 === 0 ? a : b;
        const text = `event ${i}`;
        registry(from).broadcast(text);
        sent.push(text);
        void registry(from).sendTo(i % 2 === 0 ? 'k-b' : 'k-a', `direct ${i}`);
        await sleep(3);
      }
    })();
    try {
      await sleep(200);
      await redis.killNode(owner);
      const atKill = sent.length;
      await sleep(400);
      const atRestart = sent.length;
      await redis.startNode(owner);
      await sleep(400);
      expect(atRestart - atKill).toBeGreaterThan(10); // these were held while the master was away
    } finally {
      stop = true;
      await pump;
      await redis.startNode(owner); // a no-op when it runs again already
      await redis.waitUntilOk();
    }
    // The master came back empty: presence comes back from the nodes.
    await present(a, 'k-a', 'k-b');
    // Each node publishes what it held once its own connection is back: wait for every event
    // before the marker, or the held events of the node that came back last could follow it.
    // (A gets the sends of odd i, B those of even i.)
    for (const [client, sends] of [
      [onA, Math.floor(sent.length / 2)],
      [onB, Math.ceil(sent.length / 2)],
    ] as const) {
      const arrived = () => new Set(client.events.filter((e) => /^(event|direct) /.test(e.data)).map((e) => e.data)).size;
      await eventually(() => arrived() >= sent.length + sends, 'every held event', 30_000);
    }
    registry(a).broadcast('done', { event: 'marker' });
    const gotA = (await until(onA, 'done', 30_000)).map((e) => e.data);
    const gotB = (await until(onB, 'done', 30_000)).map((e) => e.data);
    const broadcastsA = gotA.filter((d) => d.startsWith('event'));
    const broadcastsB = gotB.filter((d) => d.startsWith('event'));
    expect(broadcastsA).toHaveLength(sent.length);
    expect(new Set(broadcastsA)).toEqual(new Set(sent));
    expect(broadcastsB).toEqual(broadcastsA);
    for (const parity of [0, 1]) {
      const mine = broadcastsA.filter((d) => Number(d.split(' ')[1]) % 2 === parity);
      expect(mine).toEqual(sent.filter((d) => Number(d.split(' ')[1]) % 2 === parity));
    }
    expect(gotA.filter((d) => d.startsWith('direct'))).toEqual(sent.map((_, i) => `direct ${i}`).filter((_, i) => i % 2 === 1));
    expect(gotB.filter((d) => d.startsWith('direct'))).toEqual(sent.map((_, i) => `direct ${i}`).filter((_, i) => i % 2 === 0));
    expect(onA.closedBy).toBeUndefined();
    expect(onB.closedBy).toBeUndefined();
  }, 90_000);

  it('with the master of the prefix slot down: past outageBuffer, broadcast throws and sendTo rejects; start() rejects within connectTimeoutMs', async () => {
    const host = await node({ outageBuffer: 5 });
    const owner = redis.masterOf(`{${current()}}`);
    try {
      await redis.killNode(owner);
      await sleep(100);
      for (let i = 0; i < 5; i++) registry(host).broadcast(`held ${i}`);
      expect(thrownBy(() => registry(host).broadcast('one too many'))).toMatchObject({ code: RedisErrorCodes.Unavailable });
      await expect(registry(host).sendTo('anyone', 'x')).rejects.toMatchObject({ code: RedisErrorCodes.Unavailable });

      // A node starting now: the cluster answers, the master of its slot does not.
      const began = Date.now();
      const late = HttpServer.createBuilder()
        .useListeningPort(0)
        .useConfiguration((c) => {
          c.logger = false;
        })
        .usePlugin(ssePlugin())
        .usePlugin(redisBackplane({ cluster: { rootNodes: redis.rootNodes }, channelPrefix: current(), connectTimeoutMs: 700 }))
        .build();
      await expect(late.start()).rejects.toMatchObject({ code: RedisErrorCodes.Unavailable });
      expect(Date.now() - began).toBeLessThan(700 + 1000);
      await late.stop();
    } finally {
      await redis.startNode(owner);
      await redis.waitUntilOk();
    }
  }, 60_000);

  it('start() with no cluster node up rejects with SLUICE_REDIS_UNAVAILABLE within connectTimeoutMs, and leaves nothing open', async () => {
    buildPackages();
    const ports = [await freePort(), await freePort()]; // nothing listens there
    const rootNodes = JSON.stringify(ports.map((port) => `redis://127.0.0.1:${port}`));
    const script = `
      import 'reflect-metadata';
      import { HttpServer } from '@sluice/core';
      import { ssePlugin } from '@sluice/sse';
      import { redisBackplane } from '@sluice/redis';
      const host = HttpServer.createBuilder().useListeningPort(0).useConfiguration((c) => { c.logger = false; })
        .usePlugin(ssePlugin()).usePlugin(redisBackplane({ cluster: { rootNodes: ${rootNodes} }, connectTimeoutMs: 700 })).build();
      const began = Date.now();
      try { await host.start(); console.log('STARTED'); }
      catch (error) { console.log('REJECTED', error.code, Date.now() - began); }
      await host.stop();
    `;
    const root = fileURLToPath(new URL('../../../', import.meta.url));
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    let timer: NodeJS.Timeout | undefined;
    const exited = await Promise.race([
      new Promise((resolve) => child.once('exit', resolve)),
      new Promise((resolve) => (timer = setTimeout(resolve, 8000, 'still running'))),
    ]);
    clearTimeout(timer);
    if (exited === 'still running') child.kill('SIGKILL');
    const match = /REJECTED (\S+) (\d+)/.exec(output);
    expect(match?.[1]).toBe(RedisErrorCodes.Unavailable);
    expect(Number(match?.[2])).toBeLessThan(700 + 1000);
    // It exits by itself: no socket, timer or reconnect loop was left behind.
    expect(exited).toBe(0);
  }, 30_000);
});
