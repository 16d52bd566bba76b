import 'reflect-metadata';
import { afterEach, describe, expect, it } from '@jest/globals';
import { constants } from 'node:http2';
import { HttpServer } from '@sluice/core';
import { startHost, type StartedHost } from '../../../test/support/host.js';
import { closeHttp2Clients, destroyRawH2c, H2Client, RawH2c } from '../../../test/support/http2.js';

// node 20's HTTP/2 defenses, left at their defaults and checked here through a
// client that writes raw frames: each abuse ends the abusing session only.
const generous = 5000;
let server: StartedHost;
let handled = 0;

afterEach(async () => {
  destroyRawH2c();
  closeHttp2Clients();
  await server?.stop();
});

async function start(): Promise<StartedHost> {
  handled = 0;
  server = await startHost(HttpServer.createBuilder().useHttp2({ cleartext: true }));
  server.host.router.get('/', () => {
    handled++;
    return 'ok';
  });
  return server;
}

/** A new session on the same host is still served. */
async function stillServes(url: string): Promise<void> {
  const client = await H2Client.connect(url);
  expect((await client.request('/')).text).toBe('ok');
}

describe('HTTP/2 abuse is bounded per session', () => {
  it('a client flooding HEADERS + RST_STREAM (rapid reset) loses its session', async () => {
    const { host, url } = await start();
    const raw = await RawH2c.connect(host.port);
    const pairs = 20_000;
    const frames: Buffer[] = [];
    for (let i = 0, id = 1; i < pairs; i++, id += 2) frames.push(RawH2c.get(id, '/'), RawH2c.rstStream(id));
    raw.socket.write(Buffer.concat(frames));
    expect(await raw.waitForEnd(generous)).toBe(true);
    // nghttp2's stream-reset rate limit (node 20.9+): GOAWAY long before the flood is through.
    expect(raw.goawayCode).toBeDefined();
    expect(handled).toBeLessThan(pairs / 4);
    await stillServes(url);
  });

  it('a client flooding SETTINGS without reading the acknowledgements loses its session', async () => {
    const { host, url } = await start();
    const raw = await RawH2c.connect(host.port);
    raw.socket.pause();
    const flood = Buffer.concat(Array.from({ length: 50_000 }, () => RawH2c.settings(0)));
    raw.socket.write(flood);
    await new Promise((r) => setTimeout(r, 300));
    raw.socket.resume();
    expect(await raw.waitForEnd(generous)).toBe(true);
    // nghttp2 bounds the acknowledgements waiting to be sent (1,000), then ends the session.
    expect(raw.goawayCode).toBeDefined();
    await stillServes(url);
  });

  it('a SETTINGS frame with more entries than maxSettings (32) loses its session', async () => {
    const { host, url } = await start();
    const raw = await RawH2c.connect(host.port);
    raw.socket.write(RawH2c.settings(40));
    expect(await raw.waitForEnd(generous)).toBe(true);
    expect(raw.goawayCode).toBe(constants.NGHTTP2_ENHANCE_YOUR_CALM);
    await stillServes(url);
  });
});
