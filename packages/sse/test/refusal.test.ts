import 'reflect-metadata';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { type BrowserContext } from 'playwright-core';
import { launchChromium, withoutChromium } from '../../../test/support/chromium.js';
import { HttpServer, HttpResponse } from '@sluice/core';
import { ssePlugin, EventSourceRegistry, type SsePluginOptions } from '@sluice/sse';
import { SseTestClient } from '@sluice/sse/testing';
import { deferred, startHost, type StartedHost } from '../../../test/support/host.js';

const generous = 10_000;
const hosts: StartedHost[] = [];

async function start(options: SsePluginOptions): Promise<StartedHost> {
  const server = await startHost(HttpServer.createBuilder().usePlugin(ssePlugin(options)));
  hosts.push(server);
  server.host.router.get('/s/:id', async (req) => {
    const sse = req.getEventSource(req.params.id);
    await sse.keepAlive();
    return sse.close();
  });
  return server;
}

afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.stop()));
});

describe('refused streams keep browsers retrying', () => {
  it('at maxConnections, a client that accepts text/event-stream gets a 200 stream with a jittered retry and a refused event, then the end', async () => {
    const server = await start({ maxConnections: 1, refusal: { retry: 1_000, jitter: 500 } });
    const holder = await SseTestClient.connect(server.url, '/s/holder', { timeoutMs: generous });
    const refused = await SseTestClient.connect(server.url, '/s/late', { timeoutMs: generous, headers: { accept: 'text/event-stream' } });
    expect(refused.isEventStream).toBe(true);
    const event = await refused.next();
    expect(event.type).toBe('refused');
    expect(event.json()).toEqual({ code: 'SLUICE_SSE_TOO_MANY_CONNECTIONS', message: 'Too many event streams are open; try again later' });
    expect(refused.retry).toBeGreaterThanOrEqual(1_000);
    expect(refused.retry).toBeLessThanOrEqual(1_500);
    await refused.closed;
    expect(refused.closedBy).toBe('server');
    expect(server.host.container.get(EventSourceRegistry).count).toBe(1);
    holder.close();
  });

  it('a client that does not accept text/event-stream (or mode status) gets the 503 with Retry-After', async () => {
    const server = await start({ maxConnections: 1 });
    const holder = await SseTestClient.connect(server.url, '/s/holder', { timeoutMs: generous });
    const plain = await fetch(`${server.url}/s/late`);
    expect(plain.status).toBe(503);
    expect(Number(plain.headers.get('retry-after'))).toBeGreaterThanOrEqual(5);
    expect(((await plain.json()) as { code: string }).code).toBe('SLUICE_SSE_TOO_MANY_CONNECTIONS');
    holder.close();

    const statusOnly = await start({ maxConnections: 1, refusal: { mode: 'status' } });
    const holder2 = await SseTestClient.connect(statusOnly.url, '/s/holder', { timeoutMs: generous });
    const asked = await fetch(`${statusOnly.url}/s/late`, { headers: { accept: 'text/event-stream' } });
    expect(asked.status).toBe(503);
    await asked.body?.cancel();
    holder2.close();
  });

  it('a stream asked for while the host stops is refused the same way (an EventSource retries, toward another node or this one back)', async () => {
    const server = await start({ refusal: { retry: 100, jitter: 0 } });
    const reached = deferred();
    const go = deferred();
    server.host.router.get('/late', async (req) => {
      reached.resolve();
      await go.promise;
      const sse = req.getEventSource('late');
      await sse.keepAlive();
      return sse.close();
    });
    const connecting = SseTestClient.connect(server.url, '/late', { timeoutMs: generous });
    await reached.promise;
    const stopping = server.host.stop();
    go.resolve();
    const late = await connecting;
    expect(late.isEventStream).toBe(true);
    const event = await late.next();
    expect(event.type).toBe('refused');
    expect(event.json<{ code: string }>().code).toBe('SLUICE_SSE_SHUTTING_DOWN');
    expect(late.retry).toBe(100);
    await late.closed;
    await stopping;
  });
});

describe('a browser refused at maxConnections reconnects once a slot frees', () => {
  if (withoutChromium()) return;

  let context: BrowserContext | undefined;
  let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;

  beforeAll(async () => {
    browser = await launchChromium();
    context = browser.context;
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('the page’s EventSource gets refused events, stays open, and receives a broadcast after the holder leaves', async () => {
    const server = await start({ maxConnections: 1, refusal: { retry: 200, jitter: 100 } });
    server.host.router.get('/', () =>
      HttpResponse.html(`<!doctype html><script>
        window.log = { refused: 0, messages: [], errors: 0 };
        const source = new EventSource('/s/page');
        source.addEventListener('refused', () => window.log.refused++);
        source.onmessage = (e) => window.log.messages.push(e.data);
        source.onerror = () => window.log.errors++;
        window.source = source;
      </script>`),
    );
    const holder = await SseTestClient.connect(server.url, '/s/holder', { timeoutMs: generous });
    const page = await context!.newPage();
    await page.goto(server.url);
    await page.waitForFunction(() => (globalThis as unknown as { log: { refused: number } }).log.refused >= 2, undefined, {
      timeout: generous,
    });
    // Refused twice and still trying: an EventSource that saw a 503 would be CLOSED (2) by now.
    expect(await page.evaluate(() => (globalThis as unknown as { source: EventSource }).source.readyState)).not.toBe(2);
    holder.close();
    const registry = server.host.container.get(EventSourceRegistry);
    const deadline = Date.now() + generous;
    while (registry.getByIdentifier('page') === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    registry.broadcast('welcome in');
    await page.waitForFunction(
      () => (globalThis as unknown as { log: { messages: string[] } }).log.messages.includes('welcome in'),
      undefined,
      {
        timeout: generous,
      },
    );
    await page.close();
  });
});
