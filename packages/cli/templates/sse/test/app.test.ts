import 'reflect-metadata';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { HttpHost } from '@sluice/core';
import { SseTestClient } from '@sluice/sse/testing';
import { createApp } from '../src/app.js';
import type { Message } from '../src/MessageBoard.js';

describe('the message board', () => {
  let host: HttpHost;

  beforeEach(async () => {
    host = createApp({ port: 0 });
    await host.start();
  });

  afterEach(() => host.stop());

  async function post(text: string): Promise<{ message: Message; listeners: number }> {
    const res = await fetch(`${host.url}/messages`, { method: 'POST', body: text });
    expect(res.status).toBe(200);
    return (await res.json()) as { message: Message; listeners: number };
  }

  it('welcomes a listener, then sends it every message posted', async () => {
    const listener = await SseTestClient.connect(host, '/sse');
    expect(listener.status).toBe(200);
    expect((await listener.next()).type).toBe('welcome');

    const { message, listeners } = await post('Hello, listeners!');
    expect(listeners).toBe(1);

    const received = await listener.next();
    expect(received.type).toBe('message');
    expect(received.id).toBe(message.id);
    expect(received.json<Message>()).toEqual(message);
    listener.close();
  });

  it('sends a listener that reconnects only the messages it missed', async () => {
    const listener = await SseTestClient.connect(host, '/sse');
    await post('one');
    const one = await listener.waitFor((event) => event.type === 'message');
    expect(one.json<Message>().text).toBe('one');
    listener.close();
    await listener.closed;
    await post('two');

    const again = await listener.reconnect(); // sends Last-Event-ID: the id of "one"
    expect((await again.next()).type).toBe('welcome');
    expect((await again.next()).json<Message>().text).toBe('two');
    again.close();
  });

  it('sends a new listener the messages kept so far', async () => {
    await post('earlier');
    const listener = await SseTestClient.connect(host, '/sse');
    await listener.next(); // welcome
    expect((await listener.next()).json<Message>().text).toBe('earlier');
    listener.close();
  });

  it('refuses an empty message', async () => {
    const res = await host.inject({ method: 'POST', url: '/messages', body: '   ' });

    expect(res.status).toBe(400);
  });

  it('serves the page', async () => {
    const res = await host.inject({ method: 'GET', url: '/' });

    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toContain("new EventSource('/sse')");
  });
});
