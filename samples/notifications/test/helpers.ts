import type { HttpHost } from '@sluice/core';
import { EventSourceRegistry } from '@sluice/sse';
import { SseTestClient } from '@sluice/sse/testing';
import { createApp, type AppOptions } from '../src/app.js';
import { within } from '../../../test/support/host.js';

/** Starts the sample on a free port. Streams ping every 20 ms unless told otherwise, so tests see pings at once. */
export async function startApp(options: AppOptions = {}): Promise<HttpHost> {
  const host = createApp(0, { pingIntervalMs: 20, ...options });
  await host.start();
  return host;
}

const clients = new Set<SseTestClient>();

/** Closes every client `openUserStream` opened (call it in afterEach). */
export function closeClients(): void {
  for (const client of clients) client.close();
  clients.clear();
}

/** Connects an `SseTestClient` to `path`, closed by `closeClients()`. */
export async function openStream(host: HttpHost, path: string): Promise<SseTestClient> {
  const client = await SseTestClient.connect(host, path);
  clients.add(client);
  return client;
}

/** Opens `userId`'s stream and takes its welcome event: from then on the stream is in the registry. */
export async function openUserStream(host: HttpHost, userId: string): Promise<SseTestClient> {
  const client = await openStream(host, `/notifications/${userId}/stream`);
  if (client.status !== 200) throw new Error(`${userId}'s stream answered ${client.status}: ${client.body}`);
  const welcome = await client.next();
  if (welcome.type !== 'welcome') throw new Error(`expected a welcome event first, got ${welcome.type}`);
  return client;
}

/** A JSON answer: its status and parsed body. */
export interface JsonAnswer {
  status: number;
  body: Record<string, unknown>;
}

/** POSTs `body` (a string as is, anything else as JSON) and reads the JSON answer. */
export async function post(host: HttpHost, path: string, body: unknown): Promise<JsonAnswer> {
  const res = await fetch(`${host.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** GETs `path` and reads the JSON answer. */
export async function getJson(host: HttpHost, path: string): Promise<JsonAnswer> {
  const res = await fetch(`${host.url}${path}`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Resolves once the stream `identifier` has left the registry (at once if it is not there). */
export function untilUnregistered(host: HttpHost, identifier: string): Promise<void> {
  const registry = host.container.get(EventSourceRegistry);
  const left = new Promise<void>((resolve) => {
    if (registry.getByIdentifier(identifier) === undefined) return resolve();
    const listener = (stream: { identifier: string | undefined }): void => {
      if (stream.identifier !== identifier) return;
      registry.off('unregistered', listener);
      resolve();
    };
    registry.on('unregistered', listener);
  });
  return within(left, 5_000, `${identifier} to leave the registry`);
}

/**
 * The data of the `notification` events a client receives up to and including the one whose text
 * is `marker`. Events on one stream keep their order, so after broadcasting a marker this is
 * exactly what the client was sent before it: a way to check what did not arrive without waiting
 * for time to pass.
 */
export async function notificationsUntil(client: SseTestClient, marker: string): Promise<unknown[]> {
  const seen: unknown[] = [];
  for (;;) {
    const event = await client.next();
    if (event.type !== 'notification') continue;
    const data = event.json<{ text: string }>();
    seen.push(data);
    if (data.text === marker) return seen;
  }
}
