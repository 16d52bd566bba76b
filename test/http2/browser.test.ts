import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { HttpResponse, HttpServer, type HttpHost, type HttpRequest } from '@sluice/core';
import { EventSourceRegistry, ssePlugin } from '@sluice/sse';
import { devCertificate } from '../support/http2.js';

// Debian's Chromium, never a downloaded one.
const chromiumPath = '/usr/bin/chromium';
const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--no-first-run',
  '--ignore-certificate-errors',
];
const hasChromium = existsSync(chromiumPath);
const streams = 10;

if (!hasChromium && !process.env.CI) {
  console.log(`HTTP/2 browser test skipped: ${chromiumPath} not found (install it with: apt-get install chromium).`);
}

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
  if (!hasChromium) {
    if (process.env.CI) {
      it('needs Chromium', () => {
        throw new Error(`${chromiumPath} not found: CI must install Chromium (apt-get install chromium) so the browser test runs.`);
      });
    } else {
      it.skip(`needs ${chromiumPath}`, () => undefined);
    }
    return;
  }

  let host: HttpHost;
  let userDataDir: string;
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
    userDataDir = await mkdtemp(path.join(tmpdir(), 'sluice-h2-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, { executablePath: chromiumPath, headless: true, args: chromiumArgs });
  });

  afterAll(async () => {
    await context?.close();
    await host?.stop();
    if (userDataDir !== undefined) await rm(userDataDir, { recursive: true, force: true });
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
