import 'reflect-metadata';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HttpServer, type HttpHost } from '@sluice/core';
import { EventSourceRegistry, ssePlugin } from '@sluice/sse';
import { SseTestClient, type SseEvent } from '@sluice/sse/testing';
import { redisBackplane, RedisErrorCodes, type RedisBackplaneOptions } from '@sluice/redis';
import { startHost, thrownBy, type StartedHost } from '../../../test/support/host.js';
import { buildPackages } from './support/nodeProcess.js';
import { describeWithRedis, freePort, RedisServer } from './support/redisServer.js';

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

describeWithRedis('the redis backplane under faults', () => {
  let redis: RedisServer;
  let hosts: StartedHost[] = [];
  let clients: SseTestClient[] = [];
  let prefix = 0;

  const node = async (options: Partial<RedisBackplaneOptions> = {}, channelPrefix = `faults-${prefix}`): Promise<HttpHost> => {
    const started = await startHost(
      HttpServer.createBuilder()
        .usePlugin(ssePlugin())
        .usePlugin(redisBackplane({ url: redis.url, channelPrefix, heartbeatMs: 300, ...options })),
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
    redis = await RedisServer.start();
  });

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
    await redis?.kill();
  });

  it('replay sends a gap event for an id older than the history, a malformed id, or an id from before Redis lost its data', async () => {
    const host = await node({ history: { maxLength: 3 } });
    const first = await open(host, 'g-1');
    await present(host, 'g-1');
    for (let i = 0; i < 6; i++) registry(host).broadcast(`event ${i}`);
    const events = await Promise.all(Array.from({ length: 6 }, (_, i) => first.waitFor((e) => e.data === `event ${i}`)));
    first.close();

    // Within the last 3: replayed, no gap.
    const recent = await open(host, 'g-recent', events[3]!.id);
    registry(host).broadcast('live', { event: 'marker' });
    expect((await until(recent, 'live')).map((e) => e.data)).toEqual(['event 4', 'event 5']);

    for (const [name, id] of [
      ['older than the history', events[0]!.id],
      ['malformed', 'not-an-id'],
      ['from the future', `${events[0]!.id.split('-')[0]}-999999`],
    ] as const) {
      const client = await open(host, `g-${name}`, id);
      const gap = await client.next();
      expect({ name, type: gap.type, data: gap.json() }).toEqual({ name, type: 'gap', data: { lastEventId: id } });
    }

    // Redis loses everything (FLUSHALL stands for a restart without persistence): a new epoch.
    redis.cli('FLUSHALL');
    registry(host).broadcast('after the flush');
    const after = await open(host, 'g-after', events[5]!.id);
    const gap = await after.next();
    expect(gap.type).toBe('gap');
    registry(host).broadcast('then live', { event: 'marker' });
    await until(after, 'then live');
  });

  it('a malformed message on a channel is logged and skipped', async () => {
    const host = await node();
    const client = await open(host, 'm-1');
    await present(host, 'm-1');
    redis.cli('PUBLISH', `faults-${prefix}:bus`, 'garbage');
    redis.cli('PUBLISH', `faults-${prefix}:bus`, 'x|1|0|p|1|a0:data: injected\n\n');
    registry(host).broadcast('fine');
    registry(host).broadcast('done', { event: 'marker' });
    expect((await until(client, 'done')).map((e) => e.data)).toEqual(['fine']);
  });

  it('Redis killed and restarted mid-stream: no stream closes, and every event arrives once, in one order', async () => {
    const a = await node();
    const b = await node();
    const onA = await open(a, 'k-a');
    const onB = await open(b, 'k-b');
    await present(a, 'k-a', 'k-b');
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
    await sleep(200);
    await redis.kill();
    const atKill = sent.length;
    await sleep(400);
    const atRestart = sent.length;
    await redis.restart();
    await sleep(400);
    expect(atRestart - atKill).toBeGreaterThan(10); // these were held while Redis was away
    stop = true;
    await pump;
    // After the restart Redis knows nothing: presence comes back from the nodes.
    await present(a, 'k-a', 'k-b');
    registry(a).broadcast('done', { event: 'marker' });
    const gotA = (await until(onA, 'done', 20_000)).map((e) => e.data);
    const gotB = (await until(onB, 'done', 20_000)).map((e) => e.data);
    const broadcastsA = gotA.filter((d) => d.startsWith('event'));
    const broadcastsB = gotB.filter((d) => d.startsWith('event'));
    expect(broadcastsA).toHaveLength(sent.length);
    expect(new Set(broadcastsA)).toEqual(new Set(sent));
    expect(broadcastsB).toEqual(broadcastsA);
    // Each node's events in the order it sent them.
    for (const parity of [0, 1]) {
      const mine = broadcastsA.filter((d) => Number(d.split(' ')[1]) % 2 === parity);
      expect(mine).toEqual(sent.filter((d) => Number(d.split(' ')[1]) % 2 === parity));
    }
    // Sends arrive once each, in order.
    const directA = gotA.filter((d) => d.startsWith('direct'));
    expect(directA).toEqual(sent.map((_, i) => `direct ${i}`).filter((_, i) => i % 2 === 1));
    const directB = gotB.filter((d) => d.startsWith('direct'));
    expect(directB).toEqual(sent.map((_, i) => `direct ${i}`).filter((_, i) => i % 2 === 0));
    expect(onA.closedBy).toBeUndefined();
    expect(onB.closedBy).toBeUndefined();
  }, 60_000);

  it('Redis restored from an older snapshot (offsets rewound): a new epoch, so new events are not taken for duplicates', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'sluice-rdb-'));
    const persistent = await RedisServer.start({ dir });
    const on = async (): Promise<HttpHost> => {
      const started = await startHost(
        HttpServer.createBuilder()
          .usePlugin(ssePlugin())
          .usePlugin(redisBackplane({ url: persistent.url, channelPrefix: `faults-${prefix}`, heartbeatMs: 300 })),
      );
      started.host.router.get('/s/:id', async (req) => {
        const sse = req.getEventSource(req.params.id);
        await sse.keepAlive();
        return sse.close();
      });
      hosts.push(started);
      return started.host;
    };
    try {
      const a = await on();
      const b = await on();
      const onB = await open(b, 'r-b');
      await present(a, 'r-b');
      for (let i = 1; i <= 10; i++) registry(a).broadcast(`event ${i}`);
      registry(a).broadcast('saved', { event: 'marker' });
      await until(onB, 'saved');
      persistent.cli('SAVE'); // the snapshot Redis comes back from
      for (let i = 11; i <= 20; i++) registry(a).broadcast(`event ${i}`);
      registry(a).broadcast('before', { event: 'marker' });
      const before = await until(onB, 'before');
      await persistent.kill();
      await persistent.restart(); // offsets back to where the snapshot was
      for (let i = 21; i <= 30; i++) registry(a).broadcast(`event ${i}`);
      registry(a).broadcast('after', { event: 'marker' });
      const got = (await until(onB, 'after', 20_000)).map((e) => e.data).filter((d) => d.startsWith('event'));
      expect(got).toEqual(Array.from({ length: 30 }, (_, i) => `event ${i + 1}`));
      // The ids after the restore are of another epoch, and an id from before it is a gap.
      const after = onB.events.filter((e) => e.data === 'event 21')[0]!;
      const epochOf = (id: string | undefined) => id?.split('-')[0];
      expect(epochOf(after.id)).not.toBe(epochOf(before[before.length - 1]!.id));
      const late = await open(a, 'r-late', before[before.length - 1]!.id);
      await late.waitFor((e) => e.type === 'gap', { timeoutMs: 10_000 });
    } finally {
      await persistent.kill();
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('connections cut while events are in flight: none is lost or doubled', async () => {
    const a = await node();
    const b = await node();
    const onB = await open(b, 'c-b');
    await present(a, 'c-b');
    const count = 300;
    for (let i = 0; i < count; i++) {
      registry(a).broadcast(`event ${i}`);
      if (i % 50 === 25) {
        // Kills the command connections (replies in flight are lost) and the subscriptions (messages are lost).
        redis.cli('CLIENT', 'KILL', 'TYPE', 'normal');
        redis.cli('CLIENT', 'KILL', 'TYPE', 'pubsub');
      }
      if (i % 10 === 0) await sleep(1);
    }
    registry(a).broadcast('done', { event: 'marker' });
    const got = (await until(onB, 'done', 20_000)).map((e) => e.data);
    expect(got).toEqual(Array.from({ length: count }, (_, i) => `event ${i}`));
  }, 60_000);

  it('past outageBuffer events held, broadcast throws and sendTo rejects with SLUICE_REDIS_UNAVAILABLE', async () => {
    const own = await RedisServer.start();
    try {
      const host = await startHost(
        HttpServer.createBuilder()
          .usePlugin(ssePlugin())
          .usePlugin(redisBackplane({ url: own.url, outageBuffer: 5, heartbeatMs: 300 })),
      );
      hosts.push(host);
      await own.kill();
      await sleep(100);
      for (let i = 0; i < 5; i++) registry(host.host).broadcast(`held ${i}`);
      expect(thrownBy(() => registry(host.host).broadcast('one too many'))).toMatchObject({ code: RedisErrorCodes.Unavailable });
      await expect(registry(host.host).sendTo('anyone', 'x')).rejects.toMatchObject({ code: RedisErrorCodes.Unavailable });
    } finally {
      await own.kill();
    }
  });

  it('with history.maxLength 0, events carry no id and Last-Event-ID is only surfaced (no replay, no gap)', async () => {
    const host = await node({ history: { maxLength: 0 } });
    const client = await open(host, 'h0-1', 'whatever-1');
    await present(host, 'h0-1');
    registry(host).broadcast('no id');
    registry(host).broadcast('done', { event: 'marker' });
    const got = await until(client, 'done');
    expect(got.map((e) => [e.type, e.data])).toEqual([['message', 'no id']]);
    expect(registry(host).getByIdentifier('h0-1')?.lastEventId).toBe('whatever-1');
    // An id of one's own is accepted, since the backplane assigns none.
    expect(() => registry(host).broadcast('mine', { id: '7' })).not.toThrow();
  });

  it('a client you pass is used and duplicated for subscriptions, and left open at stop', async () => {
    const { createClient } = await import('redis');
    const client = createClient({ url: redis.url });
    client.on('error', () => undefined);
    await client.connect();
    try {
      const started = await startHost(
        HttpServer.createBuilder()
          .usePlugin(ssePlugin())
          .usePlugin(redisBackplane({ client, channelPrefix: `own-${prefix}` })),
      );
      started.host.router.get('/s/:id', async (req) => {
        const sse = req.getEventSource(req.params.id);
        await sse.keepAlive();
        return sse.close();
      });
      const stream = await SseTestClient.connect(started.host.url, '/s/mine', { timeoutMs: 10_000 });
      clients.push(stream);
      await eventually(async () => (await registry(started.host).presence()).includes('mine'), 'mine present');
      registry(started.host).broadcast('through your client');
      expect((await stream.next()).data).toBe('through your client');
      stream.close();
      await started.stop();
      expect(client.isReady).toBe(true);
      expect(await client.ping()).toBe('PONG');
    } finally {
      client.destroy();
    }
  });

  it('a slow Redis never blocks the node: broadcast returns at once and the events follow', async () => {
    const host = await node();
    const client = await open(host, 'slow-1');
    await present(host, 'slow-1');
    redis.cli('CLIENT', 'PAUSE', '500', 'ALL'); // every other client's commands wait half a second
    const began = performance.now();
    for (let i = 0; i < 100; i++) registry(host).broadcast(`while slow ${i}`);
    registry(host).broadcast('done', { event: 'marker' });
    expect(performance.now() - began).toBeLessThan(100); // queued, not waited for
    const got = await until(client, 'done');
    expect(got.map((e) => e.data)).toEqual(Array.from({ length: 100 }, (_, i) => `while slow ${i}`));
  });

  it('start() with Redis down rejects with SLUICE_REDIS_UNAVAILABLE within connectTimeoutMs, and leaves nothing open', async () => {
    buildPackages();
    const port = await freePort(); // nothing listens there
    const script = `
      import 'reflect-metadata';
      import { HttpServer } from '@sluice/core';
      import { ssePlugin } from '@sluice/sse';
      import { redisBackplane } from '@sluice/redis';
      const host = HttpServer.createBuilder().useListeningPort(0).useConfiguration((c) => { c.logger = false; })
        .usePlugin(ssePlugin()).usePlugin(redisBackplane({ url: 'redis://127.0.0.1:${port}', connectTimeoutMs: 700 })).build();
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
