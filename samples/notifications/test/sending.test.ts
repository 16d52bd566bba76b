import 'reflect-metadata';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { EventSource } from 'eventsource';
import type { HttpHost } from '@sluice/core';
import { within } from '../../../test/support/host.js';
import { closeClients, getJson, notificationsUntil, openUserStream, post, startApp } from './helpers.js';

describe('sending notifications', () => {
  let host: HttpHost;
  beforeEach(async () => {
    host = await startApp();
  });
  afterEach(async () => {
    closeClients();
    await host.stop();
  });

  it('to one user by identifier: only that user gets it', async () => {
    const [u42, u43, ada] = await Promise.all(['42', '43', 'ops-ada'].map((id) => openUserStream(host, id)));

    const sent = await post(host, '/notifications/user', { userId: '42', text: 'Your build passed' });
    expect(sent).toEqual({ status: 202, body: { delivered: true, identifier: 'user-42' } });
    // Everyone gets the marker after it: whatever a stream got before the marker, it got from the first send.
    expect((await post(host, '/notifications/broadcast', { text: 'marker' })).status).toBe(202);

    const marker = { scope: 'everyone', text: 'marker' };
    expect(await notificationsUntil(u42!, 'marker')).toEqual([{ scope: 'user', to: '42', text: 'Your build passed' }, marker]);
    expect(await notificationsUntil(u43!, 'marker')).toEqual([marker]);
    expect(await notificationsUntil(ada!, 'marker')).toEqual([marker]);
  });

  it('to a group: exactly the users whose id starts with the group and a dash', async () => {
    const ids = ['ops-ada', 'ops-eu-bob', 'ops', 'opsx-1', 'dev-grace', '42'];
    const clients = new Map(await Promise.all(ids.map(async (id) => [id, await openUserStream(host, id)] as const)));

    const sent = await post(host, '/notifications/group', { group: 'ops', text: 'Deploy at 5pm' });
    expect(sent).toEqual({ status: 202, body: { group: 'ops', reached: 2, users: ['ops-ada', 'ops-eu-bob'] } });
    const narrower = await post(host, '/notifications/group', { group: 'ops-eu', text: 'EU window moved' });
    expect(narrower).toEqual({ status: 202, body: { group: 'ops-eu', reached: 1, users: ['ops-eu-bob'] } });
    const empty = await post(host, '/notifications/group', { group: 'sales', text: 'anyone?' });
    expect(empty).toEqual({ status: 202, body: { group: 'sales', reached: 0, users: [] } });
    await post(host, '/notifications/broadcast', { text: 'marker' });

    const deploy = { scope: 'group', to: 'ops', text: 'Deploy at 5pm' };
    const window = { scope: 'group', to: 'ops-eu', text: 'EU window moved' };
    const marker = { scope: 'everyone', text: 'marker' };
    const received = Object.fromEntries(
      await Promise.all([...clients].map(async ([id, client]) => [id, await notificationsUntil(client, 'marker')] as const)),
    );
    expect(received).toEqual({
      'ops-ada': [deploy, marker],
      'ops-eu-bob': [deploy, window, marker],
      ops: [marker],
      'opsx-1': [marker],
      'dev-grace': [marker],
      '42': [marker],
    });
  });

  it('to everyone: every stream, a spec-following EventSource client included', async () => {
    const streams = await Promise.all(['42', 'ops-ada', 'dev-grace'].map((id) => openUserStream(host, id)));
    const browser = new EventSource(`${host.url}/notifications/browser/stream`);
    try {
      const welcomed = new Promise<void>((resolve) => browser.addEventListener('welcome', () => resolve()));
      const notified = new Promise<string>((resolve) => browser.addEventListener('notification', (event) => resolve(event.data)));
      await within(welcomed, 5_000, 'the EventSource client to be welcomed');

      const sent = await post(host, '/notifications/broadcast', { text: 'Lunch is served' });

      expect(sent).toEqual({ status: 202, body: { reached: 4 } });
      const lunch = { scope: 'everyone', text: 'Lunch is served' };
      for (const stream of streams) expect((await stream.waitFor((event) => event.type === 'notification')).json()).toEqual(lunch);
      expect(JSON.parse(await within(notified, 5_000, 'the EventSource client to be notified'))).toEqual(lunch);
    } finally {
      browser.close();
    }
  });

  it('answers 404 for a user who is not connected, and reaches nobody', async () => {
    const other = await openUserStream(host, '43');

    const sent = await post(host, '/notifications/user', { userId: '42', text: 'anyone?' });

    expect(sent.status).toBe(404);
    expect(sent.body).toMatchObject({ statusCode: 404, code: 'NOTIFICATIONS_NOT_CONNECTED', message: expect.stringContaining('user-42') });
    await post(host, '/notifications/broadcast', { text: 'marker' });
    expect(await notificationsUntil(other, 'marker')).toEqual([{ scope: 'everyone', text: 'marker' }]);
  });
});

describe('querying connections', () => {
  let host: HttpHost;
  beforeEach(async () => {
    host = await startApp();
  });
  afterEach(async () => {
    closeClients();
    await host.stop();
  });

  it('lists the connected identifiers, sorted, with the registry stats', async () => {
    expect(await getJson(host, '/notifications/connections')).toEqual({
      status: 200,
      body: { count: 0, identifiers: [], stats: expect.objectContaining({ open: 0, identified: 0 }) },
    });
    for (const id of ['ops-ada', '42', 'dev-grace']) await openUserStream(host, id);

    const listed = await getJson(host, '/notifications/connections');

    expect(listed.status).toBe(200);
    expect(listed.body).toEqual({
      count: 3,
      identifiers: ['user-42', 'user-dev-grace', 'user-ops-ada'],
      stats: {
        open: 3,
        identified: 3,
        queuedBytes: expect.any(Number),
        slowClientsDropped: 0,
        messagesSent: expect.any(Number),
        bytesSent: expect.any(Number),
      },
    });
  });

  it("lists one group's streams with ?group=", async () => {
    for (const id of ['ops-ada', 'ops-eu-bob', 'opsx-1', 'dev-grace']) await openUserStream(host, id);

    const ops = await getJson(host, '/notifications/connections?group=ops');
    const dev = await getJson(host, '/notifications/connections?group=dev');

    expect(ops.body).toMatchObject({ group: 'ops', count: 2, identifiers: ['user-ops-ada', 'user-ops-eu-bob'] });
    expect(dev.body).toMatchObject({ group: 'dev', count: 1, identifiers: ['user-dev-grace'] });
    expect(ops.body.stats).toMatchObject({ identified: 4 });
  });
});
