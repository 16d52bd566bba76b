import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { HttpHost } from '@sluice/core';
import { SseTestClient } from '@sluice/sse/testing';
import { createApp } from '../src/app.js';

describe('the app', () => {
  let host: HttpHost;

  beforeAll(async () => {
    host = createApp({ port: 0 });
    await host.start();
  });

  afterAll(() => host.stop());

  it('answers JSON at /', async () => {
    const res = await host.inject({ method: 'GET', url: '/' });

    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.json<{ message: string }>().message).toMatch(/^Hello from /);
  });

  it('streams one event at /sse, then ends the stream', async () => {
    const client = await SseTestClient.connect(host, '/sse');

    expect(client.status).toBe(200);
    expect(client.isEventStream).toBe(true);
    const event = await client.next();
    expect(event.type).toBe('hello');
    expect(event.json<{ message: string }>().message).toBe('Hello, world!');
    await client.closed;
    expect(client.closedBy).toBe('server');
  });

  it('answers 404 for an unknown path', async () => {
    const res = await host.inject({ method: 'GET', url: '/nowhere' });

    expect(res.status).toBe(404);
  });
});
