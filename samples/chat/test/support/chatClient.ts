import { expect } from '@jest/globals';
import type { HttpHost } from '@sluice/core';
import { SseTestClient, type SseConnectOptions, type SseEvent } from '@sluice/sse/testing';
import type { ChatMessage } from '../../src/ChatEvents.js';

/** `POST /chat/messages` with a JSON body (or raw text), as the page does. */
export function postMessage(host: HttpHost, body: unknown, init: { contentType?: string; raw?: boolean } = {}): Promise<Response> {
  return fetch(`${host.url}/chat/messages`, {
    method: 'POST',
    headers: { 'content-type': init.contentType ?? 'application/json' },
    body: init.raw ? (body as string) : JSON.stringify(body),
  });
}

/** Posts a message that must be accepted, and returns it as stored (with its id). */
export async function say(host: HttpHost, name: string, text: string): Promise<ChatMessage> {
  const response = await postMessage(host, { name, text });
  expect(response.status).toBe(201);
  return (await response.json()) as ChatMessage;
}

/** Opens `GET /chat/events?name=...` with a test client (a 400 still resolves: check `status`). */
export function openStream(host: HttpHost, name: string, options?: SseConnectOptions): Promise<SseTestClient> {
  return SseTestClient.connect(host, `/chat/events?name=${encodeURIComponent(name)}`, options);
}

/** Joins as `name` and takes the `presence` event every connection starts with; returns the client and the members it listed. */
export async function join(
  host: HttpHost,
  name: string,
  options?: SseConnectOptions,
): Promise<{ client: SseTestClient; members: string[] }> {
  const client = await openStream(host, name, options);
  expect(client.status).toBe(200);
  const presence = await client.next();
  expect(presence.type).toBe('presence');
  return { client, members: presence.json<{ members: string[] }>().members };
}

/** The next `message` event (others in between are taken too), parsed. */
export async function nextMessage(client: SseTestClient): Promise<ChatMessage> {
  return (await client.waitFor((event) => event.type === 'message')).json<ChatMessage>();
}

/** The ids of the `message` events received so far. */
export function messageIds(events: readonly SseEvent[]): number[] {
  return events.filter((event) => event.type === 'message').map((event) => event.json<ChatMessage>().id);
}

/** `[from, from + 1, ..., to]`. */
export function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
}
