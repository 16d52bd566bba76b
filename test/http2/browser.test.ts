import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type BrowserContext } from 'playwright-core';
import { launchChromium, withoutChromium } from '../support/chromium.js';
import { HttpResponse, HttpServer, type HttpHost, type HttpRequest } from '@sluice/core';
import { EventSourceRegistry, ssePlugin } from '@sluice/sse';
import { devCertificate } from '../support/http2.js';

const streams = 10;

// Ten event streams from one page: over HTTP/1.1 the seventh request to the origin would
// wait for one of the six connections, forever; over HTTP/2 they are streams of one session.
const page = `<!doctype html>
<meta charset="utf-8">
<title>ten streams</title>
<script>
  window.received = [];
  window.opened = 0;
  for (let i = 0; i < ${streams}; i++) {
    const source = new EventSource('/events/' + i);
    source.onopen = () => window.opened++;
    source.addEventListener('news', (event) => window.received.push(i + ':' + event.data));
  }
</script>`;

describe('a page over TLS HTTP/2 in Chromium', () => {
  if (withoutChromium()) return;

  let host: HttpHost;
  let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
  let context: BrowserContext | undefined;

  beforeAll(async () => {
    host = HttpServer.createBuilder()
      .useListeningPort(0)
      .useHttp2(devCertificate())
      .usePlugin(ssePlugin())
      .useConfiguration((c) => (c.logger = false))
      .build();
    host.router.get('/', () => HttpResponse.html(page));
    host.router.get('/ping', () => ({ pong: true }));
    host.router.get('/events/:n', async (req: HttpRequest) => {
      const sse = req.getEventSource(`tab-${req.params.n}`);
      sse.send('ready', { event: 'ready' });
      await sse.keepAlive();
      return sse.close();
    });
    await host.start();
    browser = await launchChromium({ extraArgs: ['--ignore-certificate-errors'] });
    context = browser.context;
  });

  afterAll(async () => {
    await browser?.close();
    await host?.stop();
  });

  it('opens 10 EventSources to its origin over h2; all get a broadcast and a fetch still completes', async () => {
    const tab = await context!.newPage();
    await tab.goto(`${host.url}/`);
    await tab.waitForFunction(`window.opened === ${streams}`, undefined, { timeout: 10_000 });
    const registry = host.container.get(EventSourceRegistry);
    expect(registry.count).toBe(streams);
    expect(registry.all().every((source) => source.request.httpVersion === '2.0')).toBe(true);

    expect(registry.broadcast('hello, tabs', { event: 'news' })).toBe(streams);
    await tab.waitForFunction(`window.received.length === ${streams}`, undefined, { timeout: 10_000 });
    const received = (await tab.evaluate('window.received')) as string[];
    expect(received.sort()).toEqual(Array.from({ length: streams }, (_, i) => `${i}:hello, tabs`).sort());

    // With ten streams open, the page can still talk to its origin.
    const pong = await tab.evaluate(async () => (await fetch('/ping')).json());
    expect(pong).toEqual({ pong: true });

    // Every connection the page used was HTTP/2 (the document, the fetch; the streams are checked server-side above).
    const protocols = (await tab.evaluate(
      `[...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')].map((e) => e.initiatorType + ' ' + e.nextHopProtocol)`,
    )) as string[];
    expect(protocols.length).toBeGreaterThanOrEqual(2);
    expect(protocols.every((entry) => entry.endsWith(' h2'))).toBe(true);
    await tab.close();
  });
});
