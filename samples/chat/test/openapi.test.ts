import 'reflect-metadata';
import { afterEach, describe, expect, it } from '@jest/globals';
import { validate } from '@scalar/openapi-parser';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { HttpHost } from '@sluice/core';
import { createApp, type ChatAppOptions } from '../src/app.js';
import { say } from './support/chatClient.js';

// ajv-formats is CommonJS; its default export arrives as the module object under ESM.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (
  ajv: Ajv2020,
) => Ajv2020;

type Json = Record<string, unknown>;
const hosts: HttpHost[] = [];
const streams: AbortController[] = [];

afterEach(async () => {
  for (const stream of streams.splice(0)) stream.abort();
  await Promise.all(hosts.splice(0).map((host) => host.stop()));
});

async function startChat(options: ChatAppOptions = {}): Promise<HttpHost> {
  const host = createApp(0, options);
  await host.start();
  hosts.push(host);
  return host;
}

async function documentOf(host: HttpHost): Promise<Json> {
  const response = await fetch(`${host.url}/openapi.json`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
  return (await response.json()) as Json;
}

/**
 * A raw event stream read with an independent parser (eventsource-parser), each
 * event kept as the wire has it: `event` only when the block had an `event:`
 * field, `id` only when it had an `id:` field. That is the item the OpenAPI 3.2
 * `itemSchema` describes.
 */
async function openRawStream(host: HttpHost, path: string, headers: Record<string, string> = {}) {
  const abort = new AbortController();
  streams.push(abort);
  const response = await fetch(`${host.url}${path}`, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const items: Json[] = [];
  let wake: (() => void) | undefined;
  const parser = createParser({
    onEvent(message: EventSourceMessage) {
      items.push({
        data: message.data,
        ...(message.event === undefined ? {} : { event: message.event }),
        ...(message.id === undefined ? {} : { id: message.id }),
      });
      wake?.();
    },
  });
  void (async () => {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of response.body!) parser.feed(decoder.decode(chunk as Uint8Array, { stream: true }));
    } catch {
      // aborted at the end of the test, or closed by the server
    }
    wake?.();
  })();
  return {
    items,
    async until(predicate: (items: Json[]) => boolean): Promise<void> {
      const deadline = Date.now() + 5_000;
      while (!predicate(items)) {
        if (Date.now() > deadline) throw new Error(`timed out; got ${JSON.stringify(items)}`);
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 50);
        });
      }
    },
  };
}

function operation(document: Json, path: string, method: string): Json {
  const item = (document.paths as Record<string, Json>)[path];
  expect(item).toBeDefined();
  return item![method] as Json;
}

describe('chat sample: the OpenAPI document', () => {
  it('is a valid OpenAPI 3.2 document (checked by @scalar/openapi-parser against the 3.2 schema)', async () => {
    const host = await startChat();
    const text = await (await fetch(`${host.url}/openapi.json`)).text();
    expect((JSON.parse(text) as Json).openapi).toBe('3.2.0');
    // The text as served (an object from fetch is of another realm under jest's VM modules, which the parser does not take).
    const result = await validate(text);
    expect(result.version).toBe('3.2');
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('describes the routes, their parameters, bodies and answers, and leaves out the static files and itself', async () => {
    const host = await startChat();
    const document = await documentOf(host);
    expect(Object.keys(document.paths as Json).sort()).toEqual(['/chat/events', '/chat/messages']);

    const events = operation(document, '/chat/events', 'get');
    expect(events.parameters).toEqual([{ name: 'name', in: 'query', required: true, schema: { type: 'string' } }]);
    expect(Object.keys(events.responses as Json).sort()).toEqual(['200', '400', '500']);

    const post = operation(document, '/chat/messages', 'post');
    expect(post).toMatchObject({
      operationId: 'ChatController.post',
      tags: ['ChatController'],
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: { type: 'object', required: ['name', 'text'], properties: { name: { type: 'string' }, text: { type: 'string' } } },
          },
        },
      },
    });
    const responses = post.responses as Record<string, Json>;
    expect(Object.keys(responses).sort()).toEqual(['201', '400', '415', '500']);
    expect(responses['400']!.content).toEqual({ 'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDetails' } } });
  });

  it('answers as it says: a posted message matches the 201 schema, a refusal the problem details schema', async () => {
    const host = await startChat();
    const document = await documentOf(host);
    const ajv = addFormats(new Ajv2020({ strict: false }));
    ajv.addSchema(document, 'openapi.json');
    const responses = operation(document, '/chat/messages', 'post').responses as Record<string, Json>;
    const messageSchema = (responses['201']!.content as Record<string, Json>)['application/json']!.schema as Json;
    expect(ajv.validate(messageSchema, await say(host, 'ada', 'hello'))).toBe(true);

    const refused = await fetch(`${host.url}/chat/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(ajv.validate({ $ref: 'openapi.json#/components/schemas/ProblemDetails' }, await refused.json())).toBe(true);
  });

  it("the event stream's itemSchema matches every event the chat sends: presence, message, join, leave, gap and replaced", async () => {
    const host = await startChat({ historySize: 2, backlogSize: 1 });
    const document = await documentOf(host);
    const content = (operation(document, '/chat/events', 'get').responses as Record<string, Json>)['200']!.content as Record<string, Json>;
    const itemSchema = content['text/event-stream']!.itemSchema as Json;
    const branches = itemSchema.oneOf as Json[];
    expect(branches.map((branch) => branch.title)).toEqual(['message', 'presence', 'join', 'leave', 'gap', 'replaced']);

    for (let i = 1; i <= 4; i++) await say(host, 'ada', `m${i}`);
    // Bob saw message 1 only; 2 is forgotten (the history keeps 3 and 4): presence, gap, then 3 and 4.
    const bob = await openRawStream(host, '/chat/events?name=bob', { 'last-event-id': '1' });
    await bob.until((items) => items.filter((item) => item.event === undefined).length === 2);
    const eve = await openRawStream(host, '/chat/events?name=eve');
    await bob.until((items) => items.some((item) => item.event === 'join'));
    await say(host, 'eve', 'hi bob');
    await bob.until((items) => items.filter((item) => item.event === undefined).length === 3);
    // A second window for eve replaces the first (which is told so); bob sees no leave for that.
    const eveAgain = await openRawStream(host, '/chat/events?name=eve');
    await eve.until((items) => items.some((item) => item.event === 'replaced'));
    await eveAgain.until((items) => items.length > 0);
    streams[streams.length - 1]!.abort();
    await bob.until((items) => items.some((item) => item.event === 'leave'));

    const received = [...bob.items, ...eve.items, ...eveAgain.items];
    expect(new Set(received.map((item) => item.event ?? 'message'))).toEqual(
      new Set(['presence', 'gap', 'message', 'join', 'leave', 'replaced']),
    );

    const ajv = addFormats(new Ajv2020({ strict: false }));
    const validItem = ajv.compile(itemSchema);
    for (const item of received) {
      expect({ item, valid: validItem(item), errors: validItem.errors ?? null }).toEqual({ item, valid: true, errors: null });
      // contentSchema is an annotation in JSON Schema: check each event's JSON data against its branch's schema too.
      const name = (item.event as string | undefined) ?? 'message';
      const data = (branches.find((branch) => branch.title === name)!.properties as Json).data as Json;
      const validData = ajv.compile(data.contentSchema as Json);
      expect({ name, data: item.data, valid: validData(JSON.parse(item.data as string)), errors: validData.errors ?? null }).toEqual({
        name,
        data: item.data,
        valid: true,
        errors: null,
      });
    }
    // And the schema is not vacuous: a message whose data lacks its fields, or an event of no known name, is refused.
    expect(validItem({ data: '{"id":1}' })).toBe(true); // contentSchema is not asserted by JSON Schema itself...
    expect(ajv.validate((branches[0]!.properties as Record<string, Json>).data!.contentSchema as Json, { id: 1 })).toBe(false); // ...but the data's schema refuses it
    expect(validItem({ event: 'nonsense', data: '{}' })).toBe(false);
  });

  it('serves the API reference page and its script from the host itself', async () => {
    const host = await startChat();
    const page = await fetch(`${host.url}/docs`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<script src="/docs/assets/standalone.js"></script>');
    expect(html).toContain('"url":"/openapi.json"');
    expect(html).not.toMatch(/https?:\/\//);
    const script = await fetch(`${host.url}/docs/assets/standalone.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    await script.arrayBuffer();
    expect((await fetch(`${host.url}/docs/assets/..%2Fpackage.json`)).status).toBe(404);
  });
});
