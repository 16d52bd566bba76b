import { afterAll, afterEach, beforeAll, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { launchChromium, withoutChromium } from '../../../test/support/chromium.js';
import { BalancingProxy } from './support/BalancingProxy.js';
import { buildPackages, NodeProcess } from './support/nodeProcess.js';
import { describeWithRedis, RedisServer } from './support/redisServer.js';

// The page is the browser's own EventSource and nothing else: every `message` event it gets is
// kept with its id, and `window.opens` counts (re)connections.
const page = `<!doctype html><meta charset="utf-8"><title>failover</title><script>
  window.received = [];
  window.opens = 0;
  window.openedAt = [];
  window.gaps = 0;
  const source = new EventSource('/s/browser');
  source.onopen = () => {
    window.opens++;
    window.openedAt.push(Date.now());
  };
  source.onmessage = (e) => window.received.push({ id: e.lastEventId, data: e.data });
  source.addEventListener('gap', () => window.gaps++);
</script>`;

interface Received {
  id: string;
  data: string;
}

async function pageState(tab: Page): Promise<{ received: Received[]; opens: number; openedAt: number[]; gaps: number }> {
  return tab.evaluate(() => {
    const w = globalThis as unknown as { received: Received[]; opens: number; openedAt: number[]; gaps: number };
    return { received: w.received, opens: w.opens, openedAt: w.openedAt, gaps: w.gaps };
  });
}

async function eventually(probe: () => boolean | Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const portOf = (node: NodeProcess): number => Number(new URL(node.url).port);

describeWithRedis('a browser behind a load balancer, on two nodes', () => {
  if (withoutChromium()) return;

  let redis: RedisServer;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let nodes: NodeProcess[] = [];
  let proxy: BalancingProxy | undefined;
  let prefix = 0;

  beforeAll(async () => {
    buildPackages();
    redis = await RedisServer.start();
    browser = await launchChromium();
  }, 120_000);

  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
    for (const node of nodes) node.child.kill('SIGKILL');
    await Promise.all(nodes.map((node) => node.exited));
    nodes = [];
  });

  afterAll(async () => {
    await browser?.close();
    await redis?.kill();
  });

  it.each([
    ['stops gracefully', (node: NodeProcess) => node.terminate()],
    ['is killed (kill -9)', (node: NodeProcess) => void node.crash()],
  ])(
    "the node holding the page's EventSource %s: it reconnects through the balancer to the other node and ends with every event once, in order",
    async (_, stop) => {
      const shared = { REDIS_URL: redis.url, PREFIX: `browser-${++prefix}`, HEARTBEAT_MS: '300' };
      nodes = await Promise.all([NodeProcess.start(shared), NodeProcess.start(shared)]);
      proxy = await BalancingProxy.start(nodes.map(portOf));
      const tab = await browser.context.newPage();
      try {
        // The page itself comes from the test, so the only request through the balancer that
        // reaches a node is the EventSource's (and a favicon, answered here too).
        await tab.route(`${proxy.url}/`, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: page }));
        await tab.route(`${proxy.url}/favicon.ico`, (route) => route.fulfill({ status: 404, body: '' }));
        await tab.goto(`${proxy.url}/`);
        await eventually(async () => (await pageState(tab)).opens === 1, 'the first open');

        const streams = () => proxy!.connections.filter((c) => c.requestLine.startsWith('GET /s/browser '));
        const holder = nodes.find((node) => portOf(node) === streams()[0]!.port)!;
        const other = nodes.find((node) => node !== holder)!;
        await eventually(async () => (await other.presence()).includes('browser'), 'presence of the page on the other node');

        // The other node publishes 1..60 one by one; after the 20th, the holder goes away, so
        // some events reach the page live from the holder, some are published while it is
        // connected nowhere, and the rest arrive live from the other node after its replay.
        const total = 60;
        const publishedAt: number[] = [];
        let stoppedAt = 0;
        for (let i = 1; i <= total; i++) {
          await other.broadcast(String(i));
          publishedAt.push(Date.now());
          if (i === 20) {
            stop(holder);
            stoppedAt = Date.now();
          }
          await new Promise((resolve) => setTimeout(resolve, 15));
        }
        await other.broadcast('end');
        await eventually(async () => (await pageState(tab)).received.some((e) => e.data === 'end'), "'end' on the page");

        const state = await pageState(tab);
        const expected = [...Array.from({ length: total }, (_, i) => String(i + 1)), 'end'];
        expect(state.received.map((e) => e.data)).toEqual(expected);
        // Ids are the backplane's, one order: strictly increasing across the two nodes.
        const ids = state.received.map((e) => /^([0-9a-z]+)-(\d+)$/.exec(e.id)!);
        expect(new Set(ids.map((m) => m[1])).size).toBe(1);
        const offsets = ids.map((m) => Number(m[2]));
        for (let i = 1; i < offsets.length; i++) expect(offsets[i]).toBeGreaterThan(offsets[i - 1]!);
        expect(state.gaps).toBe(0);
        expect(state.opens).toBe(2);
        // Some events were published while the page was connected nowhere: it got them by replay.
        const reopenedAt = state.openedAt[1]!;
        expect(publishedAt.filter((t) => t > stoppedAt && t < reopenedAt).length).toBeGreaterThan(0);
        // The second stream went through the balancer to the other node.
        expect(streams().map((c) => c.port)).toEqual([portOf(holder), portOf(other)]);
      } finally {
        await tab.close();
      }
    },
    60_000,
  );
});
