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

describe('hello sample: server-sent events', () => {
  let host: HttpHost;
  beforeAll(async () => {
    host = createApp(0);
    await host.start();
  });
  afterAll(() => host.stop());

  it('serves a disposable stream: one event, then the end of the body', async () => {
    const res = await fetch(`${host.url}/events/hello`);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(await res.text()).toBe('data: Hello, world!\n\n');
  });

  it('delivers a POSTed message to the identified stream of that user', async () => {
    const controller = new AbortController();
    const res = await fetch(`${host.url}/events/alice`, { signal: controller.signal });
    expect(res.headers.get('x-stream')).toBe('v1');
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let received = '';
    const readUntil = async (text: string): Promise<void> => {
      while (!received.includes(text)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before ${JSON.stringify(text)}; got ${JSON.stringify(received)}`);
        received += decoder.decode(value, { stream: true });
      }
    };
    await readUntil('welcome, alice');
    const posted = await fetch(`${host.url}/events/alice`, { method: 'POST', body: 'hi alice' });
    expect(posted.status).toBe(202);
    await readUntil('data: hi alice\n\n');
    const nobody = await fetch(`${host.url}/events/bob`, { method: 'POST', body: 'hi bob' });
    expect(nobody.status).toBe(404);
    controller.abort();
  });
});
