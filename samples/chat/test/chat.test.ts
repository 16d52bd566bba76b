import 'reflect-metadata';
import { afterEach, describe, expect, it } from '@jest/globals';
import type { HttpHost } from '@sluice/core';
import { EventSourceRegistry } from '@sluice/sse';
import { SseTestClient } from '@sluice/sse/testing';
import { createApp, type ChatAppOptions } from '../src/app.js';
import type { ChatMessage, PresenceChange } from '../src/ChatEvents.js';
import { ChatService } from '../src/ChatService.js';
import { join, messageIds, nextMessage, postMessage, range, say } from './support/chatClient.js';

const hosts: HttpHost[] = [];
const clients: SseTestClient[] = [];

/** A fresh chat on a free port (stopped after each test), so no test sees another's messages. */
async function startChat(options: ChatAppOptions = {}): Promise<HttpHost> {
  const host = createApp(0, options);
  await host.start();
  hosts.push(host);
  return host;
}

/** Joins and remembers the client, to close it after the test. */
async function member(host: HttpHost, name: string, lastEventId?: string): Promise<{ client: SseTestClient; members: string[] }> {
  const joined = await join(host, name, lastEventId === undefined ? {} : { lastEventId });
  clients.push(joined.client);
  return joined;
}

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await Promise.all(hosts.splice(0).map((host) => host.stop()));
});

describe('chat sample: the page', () => {
  it('serves the page and its assets from public/', async () => {
    const host = await startChat();
    const page = await fetch(`${host.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await page.text();
    expect(html).toContain('<script type="module" src="chat.js"></script>');
    expect(html).toContain('id="composer"');

    const script = await fetch(`${host.url}/chat.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(await script.text()).toContain('new EventSource(`/chat/events?name=${encodeURIComponent(me)}`)');

    const style = await fetch(`${host.url}/chat.css`);
    expect(style.status).toBe(200);
    expect(style.headers.get('content-type')).toMatch(/^text\/css/);
  });
});

describe('chat sample: messages and presence', () => {
  it('broadcasts a posted message to every member, with its id as the event id', async () => {
    const host = await startChat();
    const ada = await member(host, 'ada');
    const bob = await member(host, 'bob');

    const response = await postMessage(host, { name: 'ada', text: '  hello, bob  ' });
    expect(response.status).toBe(201);
    const stored = (await response.json()) as ChatMessage;
    expect(stored).toEqual({ id: 1, name: 'ada', text: 'hello, bob', at: expect.any(String) });
    expect(Number.isNaN(Date.parse(stored.at))).toBe(false);

    const atBob = await bob.client.waitFor((event) => event.type === 'message');
    expect(atBob.id).toBe('1');
    expect(atBob.json()).toEqual(stored);
    expect(await nextMessage(ada.client)).toEqual(stored);

    const second = await say(host, 'bob', 'hi ada');
    expect(second.id).toBe(2);
    const again = await ada.client.waitFor((event) => event.type === 'message');
    expect(again.id).toBe('2');
    expect(again.json()).toEqual(second);
  });

  it('announces joins to the others, lists the members to a newcomer, and announces leaves', async () => {
    const host = await startChat();
    const ada = await member(host, 'ada');
    expect(ada.members).toEqual(['ada']);

    const bob = await member(host, 'bob');
    expect(bob.members).toEqual(['ada', 'bob']);
    const joined = await ada.client.next();
    expect(joined.type).toBe('join');
    expect(joined.json<PresenceChange>()).toEqual({ name: 'bob', members: ['ada', 'bob'] });

    // Bob does not hear about his own arrival: the next thing he gets is this message.
    await say(host, 'ada', 'welcome');
    expect((await bob.client.next()).type).toBe('message');

    bob.client.close();
    const left = await ada.client.waitFor((event) => event.type === 'leave');
    expect(left.json<PresenceChange>()).toEqual({ name: 'bob', members: ['ada'] });
    // Presence is the registry's view: bob's stream is gone from it.
    expect(host.container.get(EventSourceRegistry).getByIdentifier('chat-bob')).toBeUndefined();
    expect(host.container.get(EventSourceRegistry).getByIdentifier('chat-ada')).toBeDefined();
  });
});

describe('chat sample: catching up with Last-Event-ID', () => {
  it('replays exactly the missed messages, in order, then goes on live', async () => {
    const host = await startChat();
    const ada = await member(host, 'ada');
    const bob = await member(host, 'bob');
    await ada.client.next(); // bob joined

    await say(host, 'ada', 'one');
    await say(host, 'ada', 'two');
    expect((await nextMessage(bob.client)).text).toBe('one');
    expect((await nextMessage(bob.client)).text).toBe('two');
    expect(bob.client.lastEventId).toBe('2');

    bob.client.close();
    await ada.client.waitFor((event) => event.type === 'leave');
    for (const text of ['three', 'four', 'five']) await say(host, 'ada', text);

    const resumed = await bob.client.reconnect(); // sends Last-Event-ID: 2
    clients.push(resumed);
    expect(resumed.status).toBe(200);
    expect(host.container.get(EventSourceRegistry).getByIdentifier('chat-bob')?.lastEventId).toBe('2');
    expect((await resumed.next()).json()).toEqual({ members: ['ada', 'bob'] });
    const missed = [await resumed.next(), await resumed.next(), await resumed.next()];
    expect(missed.map((event) => [event.type, event.id, event.json<ChatMessage>().text])).toEqual([
      ['message', '3', 'three'],
      ['message', '4', 'four'],
      ['message', '5', 'five'],
    ]);

    // Live again, and nothing was sent twice.
    await say(host, 'ada', 'six');
    expect((await resumed.next()).json<ChatMessage>().text).toBe('six');
    expect(messageIds(resumed.events)).toEqual([3, 4, 5, 6]);
  });

  it('neither loses nor repeats a message posted while clients are catching up', async () => {
    const host = await startChat();
    for (let i = 1; i <= 10; i++) await say(host, 'ada', `before ${i}`);

    // Three writers post without pause while readers keep (re)connecting from the last id they know:
    // every reader must see every id after its own exactly once, in order.
    let posting = true;
    let lastId = 10;
    const writer = async (name: string): Promise<void> => {
      while (posting) lastId = Math.max(lastId, (await say(host, name, 'busy')).id);
    };
    const writers = Promise.all(['w1', 'w2', 'w3'].map(writer));
    const readers: Array<{ from: number; client: SseTestClient }> = [];
    for (let i = 0; i < 20; i++) {
      const from = Math.max(0, lastId - (i % 4));
      readers.push({ from, client: (await member(host, `reader${i}`, String(from))).client });
    }
    posting = false;
    await writers;

    for (const { from, client } of readers) {
      await client.waitFor((event) => event.type === 'message' && event.id === String(lastId), { timeoutMs: 5_000 });
      expect(messageIds(client.events)).toEqual(range(from + 1, lastId));
    }
  });

  it('sends a message posted while a stream opens once, after the catch-up', async () => {
    const host = await startChat();
    for (const text of ['one', 'two', 'three']) await say(host, 'ada', text);
    // A greeter posts the moment a member's stream enters the registry: in the middle of its opening.
    const chat = host.container.get(ChatService);
    host.container.get(EventSourceRegistry).on('registered', (source) => {
      if (source.identifier === 'chat-reader') chat.post('greeter', 'welcome, reader');
    });

    const reader = await member(host, 'reader', '1');
    const welcome = await reader.client.waitFor((event) => event.type === 'message' && event.json<ChatMessage>().name === 'greeter');
    expect(welcome.id).toBe('4');
    await say(host, 'ada', 'five');
    await reader.client.waitFor((event) => event.id === '5');
    expect(messageIds(reader.client.events)).toEqual([2, 3, 4, 5]);
  });

  it('gives a newcomer the recent backlog, and says how many messages a long-gone client lost', async () => {
    const host = await startChat({ historySize: 3, backlogSize: 2 });
    for (let i = 1; i <= 5; i++) await say(host, 'ada', `m${i}`);

    const newcomer = await member(host, 'newcomer');
    await say(host, 'ada', 'm6');
    await newcomer.client.waitFor((event) => event.id === '6');
    expect(messageIds(newcomer.client.events)).toEqual([4, 5, 6]);

    // Kept: 4, 5, 6. A client that saw only 1 missed 2 to 6, and 2 and 3 are gone.
    const late = await member(host, 'late', '1');
    await say(host, 'ada', 'm7');
    await late.client.waitFor((event) => event.id === '7');
    expect(late.client.events.map((event) => event.type)).toEqual(['presence', 'gap', 'message', 'message', 'message', 'message']);
    expect(late.client.events[1]!.json()).toEqual({ missed: 2 });
    expect(messageIds(late.client.events)).toEqual([4, 5, 6, 7]);

    // An id this server never gave (from before a restart) or not an id at all: treated as new.
    for (const [name, lastEventId] of [
      ['stale', '99'],
      ['garbled', 'abc'],
    ] as const) {
      const client = await member(host, name, lastEventId);
      await say(host, 'ada', `for ${name}`);
      const last = await client.client.waitFor((event) => event.type === 'message' && event.json<ChatMessage>().text === `for ${name}`);
      expect(messageIds(client.client.events)).toEqual([Number(last.id) - 2, Number(last.id) - 1, Number(last.id)]);
    }
  });
});

describe('chat sample: one connection per name', () => {
  it('lets a second connection take a name over, tells the first, and keeps the others undisturbed', async () => {
    const host = await startChat();
    const bob = await member(host, 'bob');
    const first = await member(host, 'ada');
    await bob.client.next(); // ada joined

    const second = await member(host, 'ada');
    expect(second.members).toEqual(['ada', 'bob']);

    const replaced = await first.client.next();
    expect(replaced.type).toBe('replaced');
    expect(replaced.json()).toEqual({ reason: 'This name was opened in another window.' });
    await first.client.closed;
    expect(first.client.closedBy).toBe('server');

    // Ada never left: bob gets no leave/join pair, only the next message.
    const message = await say(host, 'ada', 'still me');
    expect((await bob.client.next()).json()).toEqual(message);
    expect(await nextMessage(second.client)).toEqual(message);
    const registry = host.container.get(EventSourceRegistry);
    expect(registry.find((id) => id.startsWith('chat-')).map((source) => source.identifier)).toEqual(['chat-bob', 'chat-ada']);
  });
});

describe('chat sample: bad input', () => {
  const tooLong = 'x'.repeat(2_001);

  /** What a refusal says: the chat's own rules answer `{ statusCode, error, message, code }`; the routes' schemas answer problem details. */
  async function refusal(response: Response | { status: number; headers: Record<string, string | string[] | undefined>; body: string }) {
    const contentType = response instanceof Response ? response.headers.get('content-type') : response.headers['content-type'];
    const body = (response instanceof Response ? await response.json() : JSON.parse(response.body)) as Record<string, unknown>;
    const issues = (body.issues ?? []) as Array<{ in: string; path: string; message: string }>;
    return {
      contentType,
      code: body.code,
      says: [body.message ?? body.detail, ...issues.map((issue) => `${issue.in}${issue.path}`)].join(' | '),
    };
  }

  it.each([
    ['empty text', { name: 'bob', text: '' }, 400, 'CHAT_INVALID_TEXT', 'text must not be empty'],
    ['blank text', { name: 'bob', text: ' \n\t ' }, 400, 'CHAT_INVALID_TEXT', 'text must not be empty'],
    ['oversized text', { name: 'bob', text: tooLong }, 400, 'CHAT_INVALID_TEXT', 'text must be at most 2000 characters (got 2001)'],
    ['a control character', { name: 'bob', text: 'a\u0007b' }, 400, 'CHAT_INVALID_TEXT', 'text must not contain control characters'],
    ['an empty name', { name: '', text: 'hi' }, 400, 'CHAT_INVALID_NAME', 'name must not be empty'],
    ['a name with CR/LF', { name: 'bob\r\nevent: join', text: 'hi' }, 400, 'CHAT_INVALID_NAME', 'name must not contain line breaks'],
    ['a name with LF', { name: 'bob\n', text: 'hi' }, 400, 'CHAT_INVALID_NAME', 'name must not contain line breaks'],
    ['a too long name', { name: 'b'.repeat(25), text: 'hi' }, 400, 'CHAT_INVALID_NAME', 'name must be at most 24 characters (got 25)'],
    ['a name with markup', { name: '<b>bob</b>', text: 'hi' }, 400, 'CHAT_INVALID_NAME', 'name may contain letters, digits'],
    ['a name with a trailing space', { name: 'bob ', text: 'hi' }, 400, 'CHAT_INVALID_NAME', 'name may contain letters, digits'],
  ])('POST /chat/messages with %s: a clear error, delivered to nobody', async (_case, body, status, code, message) => {
    const host = await startChat();
    const ada = await member(host, 'ada');

    const response = await postMessage(host, body);
    expect(response.status).toBe(status);
    const refused = await refusal(response);
    expect(refused.contentType).toBe('application/json; charset=utf-8');
    expect(refused.code).toBe(code);
    expect(refused.says).toContain(message);

    await expectNothingDelivered(host, ada.client);
  });

  it.each([
    ['no text', { name: 'bob' }, 'body/text'],
    ['text that is no string', { name: 'bob', text: 42 }, 'body/text'],
    ['no name', { text: 'hi' }, 'body/name'],
    ['a name that is no string', { name: ['bob'], text: 'hi' }, 'body/name'],
    ['no name and no text', {}, 'body/name | body/text'],
    ['a JSON array', [{ name: 'bob', text: 'hi' }], 'body |'],
    ['JSON null', null, 'body |'],
  ])("POST /chat/messages with %s: 400 problem details from the route's schema, delivered to nobody", async (_case, body, where) => {
    const host = await startChat();
    const ada = await member(host, 'ada');

    const response = await postMessage(host, body);
    expect(response.status).toBe(400);
    const refused = await refusal(response);
    expect(refused.contentType).toBe('application/problem+json');
    expect(refused.code).toBe('SLUICE_VALIDATION_FAILED');
    expect(refused.says + ' |').toContain(where);

    await expectNothingDelivered(host, ada.client);
  });

  it.each([
    [
      'a body that is not JSON',
      '{"name": "bob", text',
      'application/json',
      400,
      'application/problem+json',
      'SLUICE_BODY_INVALID_JSON',
      'not valid JSON',
    ],
    ['an empty body', '', 'application/json', 400, 'application/problem+json', 'SLUICE_BODY_INVALID_JSON', 'empty'],
    [
      'a body that is not sent as JSON',
      'name=bob&text=hi',
      'application/x-www-form-urlencoded',
      415,
      'application/problem+json',
      'SLUICE_UNSUPPORTED_MEDIA_TYPE',
      'application/json',
    ],
    [
      'a JSON body sent as text/plain',
      '{"name":"bob","text":"hi"}',
      'text/plain',
      415,
      'application/problem+json',
      'SLUICE_UNSUPPORTED_MEDIA_TYPE',
      'text/plain',
    ],
    [
      'a body over the size limit',
      JSON.stringify({ name: 'bob', text: 'x'.repeat(40_000) }),
      'application/json',
      413,
      'application/json; charset=utf-8',
      'SLUICE_BODY_TOO_LARGE',
      'limit',
    ],
  ])(
    'POST /chat/messages with %s: a clear error, delivered to nobody',
    async (_case, raw, contentType, status, answerType, code, message) => {
      const host = await startChat();
      const ada = await member(host, 'ada');

      const response = await postMessage(host, raw, { raw: true, contentType });
      expect(response.status).toBe(status);
      const refused = await refusal(response);
      expect(refused.contentType).toBe(answerType);
      expect(refused.code).toBe(code);
      expect(refused.says).toContain(message);

      await expectNothingDelivered(host, ada.client);
    },
  );

  it.each([
    ['no name', '/chat/events', 'SLUICE_VALIDATION_FAILED', 'query/name'],
    ['two names', '/chat/events?name=bob&name=eve', 'SLUICE_VALIDATION_FAILED', 'query/name'],
    ['an empty name', '/chat/events?name=', 'CHAT_INVALID_NAME', 'name must not be empty'],
    [
      'a name with CR/LF',
      '/chat/events?name=bob%0D%0Aevent%3A%20join',
      'CHAT_INVALID_NAME',
      'name must not contain line breaks (CR or LF)',
    ],
    ['a name with CR', '/chat/events?name=bob%0D', 'CHAT_INVALID_NAME', 'name must not contain line breaks (CR or LF)'],
    ['a too long name', `/chat/events?name=${'b'.repeat(25)}`, 'CHAT_INVALID_NAME', 'name must be at most 24 characters'],
    ['a name with markup', '/chat/events?name=%3Cb%3E', 'CHAT_INVALID_NAME', 'name may contain letters, digits'],
  ])('GET %s is refused with 400 before any stream opens', async (_case, path, code, message) => {
    const host = await startChat();
    const ada = await member(host, 'ada');

    const client = await SseTestClient.connect(host, path);
    expect(client.status).toBe(400);
    expect(client.isEventStream).toBe(false);
    expect(client.events).toEqual([]);
    const refused = await refusal(client);
    expect(refused.contentType).toBe(code.startsWith('SLUICE_') ? 'application/problem+json' : 'application/json; charset=utf-8');
    expect(refused.code).toBe(code);
    expect(refused.says).toContain(message);

    await expectNothingDelivered(host, ada.client);
  });
});

/**
 * Proves a refused request reached nobody: a good message posted now is the next
 * thing the member gets (nothing refused came before it: same connection, same
 * order), it is the first message ever stored (id 1), and only the member's
 * own stream is registered.
 */
async function expectNothingDelivered(host: HttpHost, observer: SseTestClient): Promise<void> {
  const sentinel = await say(host, 'carol', 'sentinel');
  expect(sentinel.id).toBe(1);
  const next = await observer.next();
  expect(next.type).toBe('message');
  expect(next.json()).toEqual(sentinel);
  expect(
    host.container
      .get(EventSourceRegistry)
      .find(() => true)
      .map((source) => source.identifier),
  ).toEqual(['chat-ada']);
}
