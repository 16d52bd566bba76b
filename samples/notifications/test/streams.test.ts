import 'reflect-metadata';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { HttpHost } from '@sluice/core';
import { EventSourceRegistry } from '@sluice/sse';
import { within } from '../../../test/support/host.js';
import { createApp } from '../src/app.js';
import { closeClients, getJson, openStream, openUserStream, post, startApp, untilUnregistered } from './helpers.js';

describe('user streams', () => {
  let host: HttpHost;
  beforeAll(async () => {
    host = await startApp();
  });
  afterEach(closeClients);
  afterAll(() => host.stop());

  it('is identified as user-<id>, carries its appended headers and welcomes the user with their groups', async () => {
    const client = await openStream(host, '/notifications/ops-eu-bob/stream');

    expect(client.status).toBe(200);
    expect(client.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(client.headers['x-stream-identifier']).toBe('user-ops-eu-bob');
    expect(client.headers['x-idle-timeout-ms']).toBe('60000');
    const welcome = await client.next();
    expect(welcome.type).toBe('welcome');
    expect(welcome.json()).toEqual({ userId: 'ops-eu-bob', groups: ['ops', 'ops-eu'], idleTimeoutMs: 60_000 });
    expect(host.container.get(EventSourceRegistry).getByIdentifier('user-ops-eu-bob')?.isActive).toBe(true);
  });

  it('pings a quiet stream with comment lines, which are not events', async () => {
    const client = await openUserStream(host, 'quiet');

    expect(await client.nextComment()).toBe('ping');
    expect(await client.nextComment()).toBe('ping');
    expect(client.events.map((event) => event.type)).toEqual(['welcome']);
  });

  it('stays open until the client leaves; then it leaves the registry and the user is unreachable', async () => {
    const client = await openUserStream(host, 'leaver');
    expect((await getJson(host, '/notifications/connections')).body.identifiers).toContain('user-leaver');

    client.close();
    await untilUnregistered(host, 'user-leaver');

    expect((await getJson(host, '/notifications/connections')).body.identifiers).not.toContain('user-leaver');
    const sent = await post(host, '/notifications/user', { userId: 'leaver', text: 'still there?' });
    expect(sent.status).toBe(404);
  });

  it('replaces an older stream of the same user (a reloaded tab): the old one ends, the new one gets the notifications', async () => {
    const first = await openUserStream(host, 'reloader');
    const second = await openUserStream(host, 'reloader');

    await within(first.closed, 5_000, 'the first stream to end');
    expect(first.closedBy).toBe('server');
    expect((await post(host, '/notifications/user', { userId: 'reloader', text: 'to the new tab' })).status).toBe(202);
    expect((await second.next()).json()).toEqual({ scope: 'user', to: 'reloader', text: 'to the new tab' });
  });
});

describe('the idle timeout of a keep-alive stream', () => {
  let host: HttpHost;
  beforeAll(async () => {
    host = await startApp({ idleTimeoutMs: 300 });
  });
  afterEach(closeClients);
  afterAll(() => host.stop());

  it('ends a stream that got no notification for the timeout, pings notwithstanding', async () => {
    const client = await openUserStream(host, 'idler');
    expect(client.headers['x-idle-timeout-ms']).toBe('300');
    expect(await client.nextComment()).toBe('ping');

    await within(client.closed, 5_000, 'the idle stream to end');

    expect(client.closedBy).toBe('server');
    await untilUnregistered(host, 'user-idler');
  });
});

describe('the digest: a disposable stream', () => {
  let host: HttpHost;
  beforeAll(async () => {
    host = await startApp();
  });
  afterEach(closeClients);
  afterAll(() => host.stop());

  it('sends a summary, the last five notifications and an end event, then ends the stream', async () => {
    await openUserStream(host, 'ada');
    for (let n = 1; n <= 7; n++) {
      const sent =
        n % 2 === 0
          ? post(host, '/notifications/broadcast', { text: `news ${n}` })
          : post(host, '/notifications/user', { userId: 'ada', text: `note ${n}` });
      expect((await sent).status).toBe(202);
    }

    const digest = await openStream(host, '/notifications/digest');
    await within(digest.closed, 5_000, 'the digest to end');

    expect(digest.closedBy).toBe('server');
    expect(digest.events.map((event) => [event.type, event.type === 'end' ? event.data : event.json()])).toEqual([
      ['summary', { connected: 1, notificationsSent: 7 }],
      ['notification', { scope: 'user', to: 'ada', text: 'note 3' }],
      ['notification', { scope: 'everyone', text: 'news 4' }],
      ['notification', { scope: 'user', to: 'ada', text: 'note 5' }],
      ['notification', { scope: 'everyone', text: 'news 6' }],
      ['notification', { scope: 'user', to: 'ada', text: 'note 7' }],
      ['end', 'end of digest'],
    ]);
    expect(digest.lastEventId).toBe('digest-end');
  });

  it('answers 204 to a client that reconnects after the end, so a browser stops reconnecting', async () => {
    const digest = await openStream(host, '/notifications/digest');
    await within(digest.closed, 5_000, 'the digest to end');

    const again = await digest.reconnect(); // sends Last-Event-ID: digest-end, as a browser does
    expect(again.status).toBe(204);
    expect(again.events).toEqual([]);
  });

  it('is an ordinary response body to fetch: it ends', async () => {
    const res = await fetch(`${host.url}/notifications/digest`);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(await res.text()).toMatch(/^event: summary\n[\s\S]*event: end\nid: digest-end\ndata: end of digest\n\n$/);
  });
});

describe('stopping the host', () => {
  it('ends open user streams with a final shutdown event', async () => {
    const host = await startApp();
    try {
      const client = await openUserStream(host, 'ada');
      await host.stop();

      await within(client.closed, 5_000, 'the stream to end');
      expect(client.closedBy).toBe('server');
      expect(client.events.map((event) => event.type)).toEqual(['welcome', 'shutdown']);
    } finally {
      closeClients();
      if (!host.isStopping) await host.stop();
    }
  });
});

describe('createApp', () => {
  it.each([
    [{ pingIntervalMs: 0 }, 'pingIntervalMs must be a positive number of ms, got 0'],
    [{ idleTimeoutMs: -5 }, 'idleTimeoutMs must be a positive number of ms, got -5'],
    [{ idleTimeoutMs: Number.NaN }, 'idleTimeoutMs must be a positive number of ms, got NaN'],
  ])('rejects the timings %j', (options, message) => {
    expect(() => createApp(0, options)).toThrow(message);
  });
});
