import 'reflect-metadata';
import { describe, it, expect } from '@jest/globals';
import fc from 'fast-check';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { SluiceError } from '@sluice/core';
import { SseErrorCodes } from '@sluice/sse';
import { chunk, encodeComment, encodeEvent, encodeRetry, type EventFields } from '../src/frame.js';
import { thrownBy } from '../../../test/support/host.js';

/** Parses bytes the way a spec-following client does (UTF-8 decode, then the event-stream grammar). */
function parse(bytes: Buffer): { events: EventSourceMessage[]; comments: string[]; retries: number[] } {
  const events: EventSourceMessage[] = [];
  const comments: string[] = [];
  const retries: number[] = [];
  const parser = createParser({
    onEvent: (event) => events.push(event),
    onComment: (comment) => comments.push(comment),
    onRetry: (retry) => retries.push(retry),
    onError: (error) => {
      throw error;
    },
  });
  parser.feed(new TextDecoder('utf-8').decode(bytes));
  return { events, comments, retries };
}

const text = (bytes: Buffer): string => bytes.toString('utf8');

/** The event-stream format turns every line break (CR, LF, CRLF) of data into LF. */
const normalizeLineBreaks = (data: string): string => data.replace(/\r\n|\r/g, '\n');

describe('encodeEvent: one event on the wire', () => {
  it('a string goes out as one data line and a blank line', () => {
    expect(text(encodeEvent('Hello, world!'))).toBe('data: Hello, world!\n\n');
  });

  it.each([
    ['LF', 'one\ntwo\nthree'],
    ['CR', 'one\rtwo\rthree'],
    ['CRLF', 'one\r\ntwo\r\nthree'],
    ['mixed', 'one\r\ntwo\rthree'],
  ])('multi-line data split on %s becomes one data line per line', (_kind, data) => {
    expect(text(encodeEvent(data))).toBe('data: one\ndata: two\ndata: three\n\n');
    expect(parse(encodeEvent(data)).events.map((e) => e.data)).toEqual(['one\ntwo\nthree']);
  });

  it('empty lines inside data are kept (a trailing line break too)', () => {
    expect(text(encodeEvent('a\n\nb\n'))).toBe('data: a\ndata: \ndata: b\ndata: \n\n');
    expect(parse(encodeEvent('a\n\nb\n')).events[0]?.data).toBe('a\n\nb\n');
  });

  it('unicode (emoji, CJK, combining marks) is sent as UTF-8 and parses back unchanged', () => {
    const data = '👋🏽 こんにちは 世界 — café e\u0301 𝄞';
    const bytes = encodeEvent(data);
    expect(bytes.equals(Buffer.from(`data: ${data}\n\n`, 'utf8'))).toBe(true);
    expect(parse(bytes).events[0]?.data).toBe(data);
  });

  it('objects, arrays, numbers, booleans and null go as JSON', () => {
    expect(text(encodeEvent({ user: 'ann', n: 1 }))).toBe('data: {"user":"ann","n":1}\n\n');
    expect(text(encodeEvent([1, 'two', { three: 3 }]))).toBe('data: [1,"two",{"three":3}]\n\n');
    expect(text(encodeEvent(42))).toBe('data: 42\n\n');
    expect(text(encodeEvent(-1.5))).toBe('data: -1.5\n\n');
    expect(text(encodeEvent(true))).toBe('data: true\n\n');
    expect(text(encodeEvent(null))).toBe('data: null\n\n');
  });

  it('a JSON string value with a newline stays on one line (JSON escapes it)', () => {
    expect(text(encodeEvent({ text: 'a\nb' }))).toBe('data: {"text":"a\\nb"}\n\n');
  });

  it('undefined, functions and symbols are refused rather than sent as "undefined"', () => {
    for (const value of [undefined, () => 1, Symbol('s')]) {
      const error = thrownBy(() => encodeEvent(value));
      expect(error).toBeInstanceOf(SluiceError);
      expect((error as SluiceError).code).toBe(SseErrorCodes.InvalidField);
    }
  });

  it('event, id and retry fields come before the data', () => {
    expect(text(encodeEvent('x', { event: 'chat', id: 'm-1', retry: 2500 }))).toBe('event: chat\nid: m-1\nretry: 2500\ndata: x\n\n');
    expect(text(encodeEvent('x', { id: 7 }))).toBe('id: 7\ndata: x\n\n');
    const parsed = parse(encodeEvent('x', { event: 'chat', id: 'm-1', retry: 2500 }));
    expect(parsed.events).toEqual([{ event: 'chat', id: 'm-1', data: 'x' }]);
    expect(parsed.retries).toEqual([2500]);
  });

  it.each([
    ['event', 'LF', { event: 'chat\ndata: injected' }],
    ['event', 'CR', { event: 'chat\rid: 1' }],
    ['event', 'CRLF', { event: 'chat\r\n' }],
    ['event', 'NUL', { event: 'ch\0at' }],
    ['id', 'LF', { id: '1\nevent: admin' }],
    ['id', 'CR', { id: '1\r' }],
    ['id', 'NUL', { id: '1\0' }],
  ] as [string, string, EventFields][])('%s containing %s throws SLUICE_SSE_INVALID_FIELD', (_field, _kind, fields) => {
    const error = thrownBy(() => encodeEvent('data', fields));
    expect(error).toBeInstanceOf(SluiceError);
    expect((error as SluiceError).code).toBe('SLUICE_SSE_INVALID_FIELD');
  });

  it.each([[-1], [1.5], [Number.NaN], [Infinity]])('retry %p is refused (not a non-negative integer)', (retry) => {
    const error = thrownBy(() => encodeEvent('x', { retry }));
    expect((error as SluiceError).code).toBe('SLUICE_SSE_INVALID_FIELD');
    expect((thrownBy(() => encodeRetry(retry)) as SluiceError).code).toBe('SLUICE_SSE_INVALID_FIELD');
  });

  it('data may hold NUL and other control characters (only fields are restricted)', () => {
    expect(parse(encodeEvent('a\0b\u0007c')).events[0]?.data).toBe('a\0b\u0007c');
  });
});

describe('encodeComment and encodeRetry', () => {
  it('a comment is a line starting with a colon, which parsers report as a comment, never an event', () => {
    expect(text(encodeComment('ping'))).toBe(': ping\n\n');
    expect(text(encodeComment(''))).toBe(':\n\n');
    const parsed = parse(encodeComment('ping'));
    expect(parsed.events).toEqual([]);
    expect(parsed.comments).toEqual(['ping']);
  });

  it('a multi-line comment stays a comment on every line (it cannot smuggle a data line)', () => {
    const bytes = encodeComment('a\ndata: evil\rb');
    expect(text(bytes)).toBe(': a\n: data: evil\n: b\n\n');
    expect(parse(bytes).events).toEqual([]);
  });

  it('encodeRetry is only a retry field and dispatches no event', () => {
    expect(text(encodeRetry(1500))).toBe('retry: 1500\n\n');
    const parsed = parse(encodeRetry(1500));
    expect(parsed.retries).toEqual([1500]);
    expect(parsed.events).toEqual([]);
  });
});

describe('chunk: HTTP/1.1 chunk framing', () => {
  it('wraps bytes as <hex size>CRLF<bytes>CRLF', () => {
    const payload = Buffer.from('data: ' + 'x'.repeat(300) + '\n\n');
    expect(chunk(payload).toString('latin1')).toBe(`${payload.length.toString(16)}\r\n${payload.toString('latin1')}\r\n`);
  });
});

// Property: whatever the data (any Unicode text, any mix of CR/LF/CRLF line breaks),
// and whatever a safe event name and id, a spec-exact parser gets back exactly what
// was sent, with line breaks normalized to LF as the event-stream format requires.
//
// Generator choices, from the spec (https://html.spec.whatwg.org/multipage/server-sent-events.html):
// - Strings are sequences of whole code points (`unit: 'binary'`): a lone UTF-16 surrogate
//   is not Unicode text and cannot be encoded as UTF-8 at all (it would become U+FFFD).
// - U+FEFF is allowed anywhere in data: the decoder strips a BOM only at the very start
//   of the stream, and every frame starts with a field name, never with data.
// - Empty data is allowed: `data: ` then a blank line dispatches an event whose data is
//   the empty string (the data buffer holds one LF). What dispatches nothing is an event
//   with no data line at all, which encodeEvent never produces.
// - The event name is non-empty: `event:` with an empty value means the default type
//   (`message`), which is the same as omitting it.
// - Event names and ids exclude CR, LF and NUL: those are refused by design (tested above).
const lineBreak = fc.constantFrom('\n', '\r', '\r\n', '\n\r', '\r\r\n', '\n\n');
const anyText = fc.string({ unit: 'binary', maxLength: 40 });
const dataArb = fc.array(fc.oneof(anyText, lineBreak), { maxLength: 8 }).map((parts) => parts.join(''));
const safeField = fc.string({ unit: 'binary', maxLength: 24 }).filter((s) => !/[\r\n\0]/.test(s));
const eventArb = fc.option(
  safeField.filter((s) => s.length > 0),
  { nil: undefined },
);
const idArb = fc.option(safeField, { nil: undefined });

describe('property: encodeEvent then a spec-exact parser gives back what was sent', () => {
  it('data, event and id round-trip for arbitrary Unicode and line breaks (200 runs)', () => {
    fc.assert(
      fc.property(dataArb, eventArb, idArb, (data, event, id) => {
        const bytes = encodeEvent(data, { event, id });
        const { events } = parse(bytes);
        expect(events).toHaveLength(1);
        expect(events[0]?.data).toBe(normalizeLineBreaks(data));
        expect(events[0]?.event).toBe(event);
        expect(events[0]?.id).toBe(id);
      }),
      { numRuns: 200 },
    );
  });

  it('a stream of many encoded events, cut into arbitrary pieces, parses back event by event', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(dataArb, eventArb, idArb), { minLength: 1, maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        (sent, cuts) => {
          const stream = Buffer.concat(sent.map(([data, event, id]) => encodeEvent(data, { event, id })));
          // Feed the bytes in arbitrary pieces (even inside a UTF-8 sequence), as TCP may deliver them.
          const offsets = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
          const events: EventSourceMessage[] = [];
          const parser = createParser({ onEvent: (e) => events.push(e) });
          const decoder = new TextDecoder('utf-8');
          let from = 0;
          for (const to of [...offsets, stream.length]) {
            parser.feed(decoder.decode(stream.subarray(from, to), { stream: true }));
            from = to;
          }
          expect(events.map((e) => [e.data, e.event, e.id])).toEqual(
            sent.map(([data, event, id]) => [normalizeLineBreaks(data), event, id]),
          );
        },
      ),
      { numRuns: 100 },
    );
  });

  it('any event or id holding CR, LF or NUL is refused', () => {
    const poisoned = fc.tuple(safeField, fc.constantFrom('\r', '\n', '\0'), safeField).map(([a, bad, b]) => a + bad + b);
    fc.assert(
      fc.property(poisoned, fc.boolean(), (value, asEvent) => {
        const error = thrownBy(() => encodeEvent('x', asEvent ? { event: value } : { id: value }));
        expect((error as SluiceError).code).toBe(SseErrorCodes.InvalidField);
      }),
      { numRuns: 100 },
    );
  });
});
