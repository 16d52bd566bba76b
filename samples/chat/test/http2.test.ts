import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { HttpHost } from '@sluice/core';
import { createApp } from '../src/app.js';
import { closeHttp2Clients, devCertificate, H2Client } from '../../../test/support/http2.js';

describe('the chat over HTTP/2 (HTTP2=1)', () => {
  let host: HttpHost;

  beforeAll(async () => {
    host = createApp(0, { http2: devCertificate() });
    await host.start();
  });

  afterAll(async () => {
    closeHttp2Clients();
    await host.stop();
  });

  it('serves the page, a member stream and a post on one HTTP/2 session', async () => {
    expect(host.url.startsWith('https://')).toBe(true);
    const client = await H2Client.connect(host.url);
    const page = await client.request('/');
    expect(page.status).toBe(200);
    expect(page.text).toContain('<html');

    const stream = client.eventStream('/chat/events?name=ada');
    expect(await stream.opened()).toBe(true);
    expect(stream.status).toBe(200);
    expect(stream.headers!['connection']).toBeUndefined();

    const posted = await client.request('/chat/messages', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'ada', text: 'over h2' }),
    });
    expect(posted.status).toBe(201);
    expect(await stream.waitFor((s) => s.events.some((e) => e.data.includes('over h2')), 5000)).toBe(true);
  });
});
