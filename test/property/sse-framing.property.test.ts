import 'reflect-metadata';
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import fc from 'fast-check';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { HttpResponse, HttpServer, SluiceError } from '@sluice/core';
import { ssePlugin, SseErrorCodes } from '@sluice/sse';
import { startHost, type StartedHost } from '../support/host.js';
import { destroyRawSockets, openRawStream, utf8 } from '../support/raw.js';

// SSE framing as a user sees it: a route calls `sse.send(data, { event, id })` for messages it
// was posted, and a spec-exact parser (eventsource-parser) reads the bytes that came over the
// socket. Whatever the strings hold, what is parsed is what was sent, line breaks (CR, LF, CRLF)
// coming back as LF; an event name or id that would inject a line is refused, and nothing of it
// reaches the wire. (Only the public API: the framing code may move.)

interface Message {
  data: unknown;
  event?: string;
  id?: string;
}

let server: StartedHost;

beforeAll(async () => {
  server = await startHost(HttpServer.createBuilder().usePlugin(ssePlugin()));
  const send = (req: Parameters<Parameters<typeof server.host.router.post>[1]>[0], messages: Message[]) => {
    const sse = req.getEventSource();
    for (const { data, event, id } of messages) {
      if (event === undefined) sse.send(data, { id });
      else sse.send(data, { event, id });
    }
    return sse.close();
  };
  server.host.router.post('/send', async (req) => {
    const messages = await req.json<Message[]>();
    try {
      return send(req, messages);
    } catch (error) {
      if (error instanceof SluiceError) return HttpResponse.json({ code: error.code }, 422);
      throw error;
    }
  });
  // The same without the try: the refusal reaches the framework as a handler error.
  server.host.router.post('/send-uncaught', async (req) => send(req, await req.json<Message[]>()));
});

afterAll(async () => {
  destroyRawSockets();
  await server.stop();
});

/**
 * POSTs the messages over a raw socket and reads until the server ends the response or closes
 * the connection (a cut stream still shows what reached the wire, where fetch would only throw).
 */
async function rawRoundTrip(path: string, messages: Message[]) {
  const connection = await openRawStream(server.host, path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    // The raw connection writes latin1: escape everything past ASCII so the body's bytes are its characters.
    body: JSON.stringify(messages).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
  });
  // Resolves early when the server closes the connection.
  await connection.waitFor(() => {
    const stream = connection.stream;
    if (stream === undefined) return false;
    if (stream.chunked) return stream.ended;
    return stream.rest.length >= Number(stream.headers['content-length'] ?? Infinity);
  }, 5_000);
  const stream = connection.stream;
  connection.destroy();
  const body = utf8(stream?.body ?? '');
  const events: EventSourceMessage[] = [];
  createParser({ onEvent: (event) => events.push(event) }).feed(body);
  return { status: stream?.status, ended: stream?.ended ?? false, body, events };
}

/** POSTs the messages to `path`; the status, content type, raw body and what the parser read from it. */
async function roundTrip(path: string, messages: Message[]) {
  const res = await fetch(`${server.url}${path}`, {
    method: 'POST',
    body: JSON.stringify(messages),
    headers: { 'content-type': 'application/json' },
  });
  const body = await res.text();
  const events: EventSourceMessage[] = [];
  const errors: string[] = [];
  const parser = createParser({ onEvent: (event) => events.push(event), onError: (error) => errors.push(error.message) });
  parser.feed(body);
  return { status: res.status, type: res.headers.get('content-type'), body, events, errors };
}

// Same generators as the framing unit test, for the same reasons: whole code points, a
// non-empty event name (an empty one means `message`), no CR, LF or NUL in event or id.
const lineBreak = fc.constantFrom('\n', '\r', '\r\n', '\n\r', '\r\r\n', '\n\n');
const text = fc.array(fc.oneof(fc.string({ unit: 'binary', maxLength: 30 }), lineBreak), { maxLength: 6 }).map((parts) => parts.join(''));
const safeField = fc.string({ unit: 'binary', maxLength: 16 }).filter((s) => !/[\r\n\0]/.test(s));
const event = fc.option(
  safeField.filter((s) => s.length > 0),
  { nil: undefined },
);
const id = fc.option(safeField, { nil: undefined });
const message = fc.record({ data: text, event, id }, { requiredKeys: ['data'] });
const injecting = fc.tuple(safeField, fc.constantFrom('\r', '\n', '\r\n', '\0'), safeField).map(([a, bad, b]) => a + bad + b);

describe('SSE framing, property over a real socket', () => {
  it('random data, event names and ids come back exactly as sent, line breaks as LF (200 runs)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(message, { minLength: 1, maxLength: 5 }), async (messages) => {
        const got = await roundTrip('/send', messages);
        expect(got.status).toBe(200);
        expect(got.type).toBe('text/event-stream; charset=utf-8');
        expect(got.errors).toEqual([]);
        expect(got.events.map(({ data, event, id }) => ({ data, event, id }))).toEqual(
          messages.map((m) => ({ data: (m.data as string).replace(/\r\n|\r/g, '\n'), event: m.event, id: m.id })),
        );
      }),
      { numRuns: 200 },
    );
  });

  it('non-string data arrives as its JSON, on one data line (100 runs)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.jsonValue().filter((v) => typeof v !== 'string'),
        async (value) => {
          const got = await roundTrip('/send', [{ data: value }]);
          expect(got.events).toHaveLength(1);
          expect(JSON.parse(got.events[0]!.data)).toEqual(JSON.parse(JSON.stringify(value)));
          expect(got.body.match(/^data:/gm)).toHaveLength(1);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('an event name or id holding CR, LF or NUL is refused with SLUICE_SSE_INVALID_FIELD, and nothing reaches the wire (200 runs)', async () => {
    await fc.assert(
      fc.asyncProperty(injecting, fc.boolean(), text, async (bad, asEvent, data) => {
        const poisoned: Message = asEvent ? { data, event: bad } : { data, id: bad };
        const got = await roundTrip('/send', [poisoned]);
        expect(got.status).toBe(422);
        expect(JSON.parse(got.body)).toEqual({ code: SseErrorCodes.InvalidField });
        expect(got.events).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  it('a refused field the handler does not catch puts nothing of the refused event on the wire (100 runs)', async () => {
    await fc.assert(
      fc.asyncProperty(injecting, fc.boolean(), fc.boolean(), async (bad, asEvent, sendFirst) => {
        const refused: Message = asEvent ? { data: 'refused', event: bad } : { data: 'refused', id: bad };
        const got = await rawRoundTrip('/send-uncaught', sendFirst ? [{ data: 'before' }, refused] : [refused]);
        expect(got.status).toBeDefined();
        if (!sendFirst) expect(got.status).toBe(500);
        expect(got.events.filter((e) => e.data === 'refused')).toEqual([]);
        expect(got.body).not.toContain('refused');
      }),
      { numRuns: 100 },
    );
  });

  // Known defect today: the stream is cut and the event queued before the throw is lost.
  it('an event sent before the handler throws still reaches the client, and the stream ends cleanly', async () => {
    const got = await rawRoundTrip('/send-uncaught', [{ data: 'before' }, { data: 'refused', id: 'a\nb' }]);
    expect(got.status).toBe(200);
    expect(got.events.map((e) => e.data)).toEqual(['before']);
    expect(got.ended).toBe(true);
  });
});
