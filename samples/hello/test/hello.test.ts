import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { HttpHost } from '@sluice/core';
import { createApp } from '../src/app.js';

describe('hello sample', () => {
  let host: HttpHost;
  beforeAll(async () => {
    host = createApp(0);
    await host.start();
  });
  afterAll(() => host.stop());

  it('greets through the injected singleton service', async () => {
    const first = await (await fetch(`${host.url}/hello`)).json();
    const second = await (await fetch(`${host.url}/hello/Grace`)).json();
    expect(first).toEqual({ message: 'Hello, world!', greeted: 1 });
    expect(second).toEqual({ message: 'Hello, Grace!', greeted: 2 });
  });

  it('serves users by id and answers 404 for unknown ones', async () => {
    const found = await fetch(`${host.url}/users/42`);
    expect(await found.json()).toEqual({ id: '42', name: 'Ada' });
    const missing = await fetch(`${host.url}/users/7`);
    expect(missing.status).toBe(404);
  });

  it('creates a user from a JSON body and rejects a bad one', async () => {
    const created = await fetch(`${host.url}/users`, {
      method: 'POST',
      body: JSON.stringify({ name: 'Linus' }),
      headers: { 'content-type': 'application/json' },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toMatch(/^\/users\/\d+$/);
    const bad = await fetch(`${host.url}/users`, { method: 'POST', body: '{nope' });
    expect(bad.status).toBe(400);
  });
});
