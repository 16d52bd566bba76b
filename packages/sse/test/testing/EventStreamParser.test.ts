import { describe, it, expect } from '@jest/globals';
import { createParser } from 'eventsource-parser';
import fc from 'fast-check';
import { EventStreamParser, type ParsedEventStream } from '../../src/testing/EventStreamParser.js';
import { SseEvent } from '../../src/testing/SseEvent.js';

/** What a parse produced, as plain data (events without their class, `retry` only when set). */
interface Outcome {
  events: Array<{ type: string; data: string; id: string; retry?: number }>;
  comments: string[];
  lastEventId: string;
  retry: number | undefined;
}

function plain(parsed: ParsedEventStream): Outcome {
  return {
    events: parsed.events.map((e) => ({ ...e })),
    comments: parsed.comments,
    lastEventId: parsed.lastEventId,
    retry: parsed.retry,
  };
}

/** Feeds `chunks` one by one to a fresh parser, then ends the stream. */
function parseChunks(chunks: Iterable<Uint8Array | string>, options?: { lastEventId?: string }): Outcome {
  const parsed: ParsedEventStream = { events: [], comments: [], lastEventId: '', retry: undefined };
  const parser = new EventStreamParser({ onEvent: (e) => parsed.events.push(e), onComment: (c) => parsed.comments.push(c) }, options);
  for (const chunk of chunks) parser.feed(chunk);
  parser.end();
  return plain({ ...parsed, lastEventId: parser.lastEventId, retry: parser.retry });
}

function* bytewise(bytes: Uint8Array): Generator<Uint8Array> {
  for (let i = 0; i < bytes.length; i++) yield bytes.subarray(i, i + 1);
}

/** A small deterministic PRNG (mulberry32), so a failing split can be replayed from its seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function* randomSplits(bytes: Uint8Array, seed: number): Generator<Uint8Array> {
  const next = random(seed);
  let at = 0;
  while (at < bytes.length) {
    // Mostly small pieces, sometimes empty ones, now and then a long one.
    const roll = next();
    const size = roll < 0.1 ? 0 : roll < 0.8 ? 1 + Math.floor(next() * 4) : 1 + Math.floor(next() * 40);
    yield bytes.subarray(at, at + size);
    at += size;
  }
}

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const withEndings = (text: string, ending: '\n' | '\r\n' | '\r'): string => text.replace(/\n/g, ending);

/**
 * Streams from the WHATWG HTML standard's event-stream section, with what it
 * says they fire, plus a few of our own. Written with LF; run with every ending.
 */
const examples: Array<{ name: string; stream: string; expected: Outcome }> = [
  {
    name: 'stock ticker: one event from three data lines',
    stream: 'data: YHOO\ndata: +2\ndata: 10\n\n',
    expected: { events: [{ type: 'message', data: 'YHOO\n+2\n10', id: '' }], comments: [], lastEventId: '', retry: undefined },
  },
  {
    name: 'comment, ids set and reset, a value keeping its second leading space',
    stream: ': test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n\n',
    expected: {
      events: [
        { type: 'message', data: 'first event', id: '1' },
        { type: 'message', data: 'second event', id: '' },
        { type: 'message', data: ' third event', id: '' },
      ],
      comments: ['test stream'],
      lastEventId: '',
      retry: undefined,
    },
  },
  {
    name: 'empty data, a lone newline, and an unterminated last block',
    stream: 'data\n\ndata\ndata\n\ndata:',
    expected: {
      events: [
        { type: 'message', data: '', id: '' },
        { type: 'message', data: '\n', id: '' },
      ],
      comments: [],
      lastEventId: '',
      retry: undefined,
    },
  },
  {
    name: 'with and without the space after the colon',
    stream: 'data:test\n\ndata: test\n\n',
    expected: {
      events: [
        { type: 'message', data: 'test', id: '' },
        { type: 'message', data: 'test', id: '' },
      ],
      comments: [],
      lastEventId: '',
      retry: undefined,
    },
  },
  {
    name: 'named events',
    stream: 'event: add\ndata: 73857293\n\nevent: remove\ndata: 2153\n\nevent: add\ndata: 113411\n\n',
    expected: {
      events: [
        { type: 'add', data: '73857293', id: '' },
        { type: 'remove', data: '2153', id: '' },
        { type: 'add', data: '113411', id: '' },
      ],
      comments: [],
      lastEventId: '',
      retry: undefined,
    },
  },
  {
    name: 'the message events of the standard',
    stream:
      'data: This is the first message.\n\ndata: This is the second message, it\ndata: has two lines.\n\ndata: This is the third message.\n\n',
    expected: {
      events: [
        { type: 'message', data: 'This is the first message.', id: '' },
        { type: 'message', data: 'This is the second message, it\nhas two lines.', id: '' },
        { type: 'message', data: 'This is the third message.', id: '' },
      ],
      comments: [],
      lastEventId: '',
      retry: undefined,
    },
  },
  {
    name: 'multi-byte text, retry, ids persisting across events, pings',
    stream: 'retry: 2500\nid: ä-1\nevent: chat\ndata: {"text":"héllo wörld € 𝄞"}\n\n: ping\n\ndata: ☃\n\n:\n\nid: 9\n\n',
    expected: {
      events: [
        { type: 'chat', data: '{"text":"héllo wörld € 𝄞"}', id: 'ä-1', retry: 2500 },
        { type: 'message', data: '☃', id: 'ä-1' },
      ],
      comments: ['ping', ''],
      lastEventId: '9',
      retry: 2500,
    },
  },
];

describe('EventStreamParser: the standard examples', () => {
  for (const { name, stream, expected } of examples) {
    describe(name, () => {
      for (const [endingName, ending] of [
        ['LF', '\n'],
        ['CRLF', '\r\n'],
        ['CR', '\r'],
      ] as const) {
        const bytes = utf8(withEndings(stream, ending));

        it(`${endingName}: in one chunk`, () => {
          expect(parseChunks([bytes])).toEqual(expected);
        });

        it(`${endingName}: byte by byte`, () => {
          expect(parseChunks(bytewise(bytes))).toEqual(expected);
        });

        it(`${endingName}: in 50 random splits`, () => {
          for (let seed = 1; seed <= 50; seed++) {
            const outcome = parseChunks(randomSplits(bytes, seed));
            if (JSON.stringify(outcome) !== JSON.stringify(expected)) {
              // Say which split broke it, so it can be replayed.
              expect({ seed, outcome }).toEqual({ seed, outcome: expected });
            }
          }
        });
      }
    });
  }

  it('reads the same from strings as from bytes', () => {
    const stream = examples.map((e) => e.stream.replace(/data:$/, '')).join('');
    expect(parseChunks([...stream])).toEqual(parseChunks([utf8(stream)]));
  });

  it('mixes line endings within one stream', () => {
    const outcome = parseChunks(['data: a\r\ndata: b\rdata: c\n\r\n', 'data: d\r\r']);
    expect(outcome.events.map((e) => e.data)).toEqual(['a\nb\nc', 'd']);
  });
});

describe('EventStreamParser: line breaks across chunks', () => {
  it('takes a CR ending one chunk and an LF starting the next as one line break', () => {
    const outcome = parseChunks(['data: a\r', '\ndata: b\r\n\r\n']);
    expect(outcome.events.map((e) => e.data)).toEqual(['a\nb']);
  });

  it('keeps that pairing across empty chunks', () => {
    const outcome = parseChunks(['data: a\r', new Uint8Array(0), '', '\ndata: b\n\n']);
    expect(outcome.events.map((e) => e.data)).toEqual(['a\nb']);
  });

  it('ends the line at a CR even when the next chunk starts with something else', () => {
    const outcome = parseChunks(['data: a\r', 'data: b\r', '\r']);
    expect(outcome.events.map((e) => e.data)).toEqual(['a\nb']);
  });

  it('takes two CRs as two line breaks, even split between chunks', () => {
    expect(parseChunks(['data: a\r', '\r', 'data: b\n\n']).events.map((e) => e.data)).toEqual(['a', 'b']);
  });

  it('rebuilds characters split between chunks', () => {
    const bytes = utf8('data: 𝄞€ä\n\n');
    expect(parseChunks(bytewise(bytes)).events[0]?.data).toBe('𝄞€ä');
  });

  it('replaces invalid UTF-8 with U+FFFD', () => {
    const bytes = new Uint8Array([...utf8('data: a'), 0xff, 0xc3, ...utf8('b\n\n')]);
    expect(parseChunks([bytes]).events[0]?.data).toBe('a\uFFFD\uFFFDb');
  });
});

describe('EventStreamParser: byte order mark', () => {
  it('ignores one leading BOM', () => {
    expect(parseChunks(['\uFEFFdata: a\n\n']).events.map((e) => e.data)).toEqual(['a']);
  });

  it('ignores a leading BOM split over three chunks', () => {
    const bytes = utf8('\uFEFFdata: a\n\n');
    expect(parseChunks(bytewise(bytes)).events.map((e) => e.data)).toEqual(['a']);
  });

  it('keeps a second BOM, which then spoils the first field name', () => {
    expect(parseChunks(['\uFEFF\uFEFFdata: a\n\ndata: b\n\n']).events.map((e) => e.data)).toEqual(['b']);
  });

  it('keeps a BOM that is not at the start of the stream', () => {
    expect(parseChunks(['data: a\n\n\uFEFFdata: b\n\n']).events.map((e) => e.data)).toEqual(['a']);
    expect(parseChunks(['data: \uFEFFa\n\n']).events[0]?.data).toBe('\uFEFFa');
  });
});

describe('EventStreamParser: fields', () => {
  it('splits at the first colon and strips one space after it', () => {
    expect(parseChunks(['data: a: b:c\n\n']).events[0]?.data).toBe('a: b:c');
    expect(parseChunks(['data:  two\n\n']).events[0]?.data).toBe(' two');
    expect(parseChunks(['data:\ttab\n\n']).events[0]?.data).toBe('\ttab');
  });

  it('takes a line without a colon as a field with an empty value', () => {
    expect(parseChunks(['data\n\n']).events).toEqual([{ type: 'message', data: '', id: '' }]);
    expect(parseChunks(['event: x\nevent\ndata: 1\n\n']).events[0]?.type).toBe('message');
  });

  it('ignores unknown fields and field names in another case', () => {
    const outcome = parseChunks(['foo: bar\nData: no\nEVENT: no\ndata: yes\n\n']);
    expect(outcome.events).toEqual([{ type: 'message', data: 'yes', id: '' }]);
  });

  it('keeps NUL inside data', () => {
    expect(parseChunks(['data: a\0b\n\n']).events[0]?.data).toBe('a\0b');
  });

  it('fires no event for a block without data, and forgets its event type', () => {
    const outcome = parseChunks(['event: lost\n\ndata: 1\n\nevent: \ndata: 2\n\n']);
    expect(outcome.events.map((e) => e.type)).toEqual(['message', 'message']);
  });

  it('resets the event type after each event', () => {
    expect(parseChunks(['event: a\ndata: 1\n\ndata: 2\n\n']).events.map((e) => e.type)).toEqual(['a', 'message']);
  });

  it('reports comments, also between the lines of an event', () => {
    const outcome = parseChunks([': hello\n:\n:no space\n:  two spaces\ndata: a\n: inside\ndata: b\n\n']);
    expect(outcome.comments).toEqual(['hello', '', 'no space', ' two spaces', 'inside']);
    expect(outcome.events.map((e) => e.data)).toEqual(['a\nb']);
  });

  it('discards an unfinished line and an unfinished event at the end of the stream', () => {
    expect(parseChunks(['data: a\n\ndata: b\n']).events.map((e) => e.data)).toEqual(['a']);
    expect(parseChunks(['data: a\n\ndata: b']).events.map((e) => e.data)).toEqual(['a']);
    expect(parseChunks(['data: a\n\n: ping']).comments).toEqual([]);
  });
});

describe('EventStreamParser: id', () => {
  it('carries the last id seen on every later event', () => {
    const ids = parseChunks(['id: 1\ndata: a\n\ndata: b\n\nid: 2\ndata: c\n\n']).events.map((e) => e.id);
    expect(ids).toEqual(['1', '1', '2']);
  });

  it('applies an id given after the data in the same block', () => {
    expect(parseChunks(['data: a\nid: 5\n\n']).events[0]?.id).toBe('5');
  });

  it('moves the last event ID on a block with an id and no data', () => {
    const outcome = parseChunks(['id: 7\n\ndata: a\n\n']);
    expect(outcome.events[0]?.id).toBe('7');
    expect(outcome.lastEventId).toBe('7');
  });

  it('does not move the last event ID before the block is dispatched', () => {
    const parser = new EventStreamParser();
    parser.feed('id: 1\ndata: a\n\nid: 2\ndata: b\n');
    expect(parser.lastEventId).toBe('1');
    parser.feed('\n');
    expect(parser.lastEventId).toBe('2');
  });

  it('ignores an id holding NUL', () => {
    const outcome = parseChunks(['id: good\ndata: a\n\nid: b\0d\ndata: b\n\n']);
    expect(outcome.events.map((e) => e.id)).toEqual(['good', 'good']);
    expect(outcome.lastEventId).toBe('good');
  });

  it('resets to empty on an empty id', () => {
    const outcome = parseChunks(['id: 1\ndata: a\n\nid:\ndata: b\n\n']);
    expect(outcome.events.map((e) => e.id)).toEqual(['1', '']);
  });

  it('starts from a given last event ID, as after a reconnection', () => {
    const outcome = parseChunks(['data: a\n\nid: 8\ndata: b\n\n'], { lastEventId: '7' });
    expect(outcome.events.map((e) => e.id)).toEqual(['7', '8']);
  });

  it('keeps the last event ID when the parser reads a new stream after end()', () => {
    const events: SseEvent[] = [];
    const parser = new EventStreamParser({ onEvent: (e) => events.push(e) });
    parser.feed('id: 3\ndata: a\n\ndata: cut');
    parser.end();
    parser.feed('\uFEFFdata: b\n\n');
    expect(events.map((e) => [e.data, e.id])).toEqual([
      ['a', '3'],
      ['b', '3'],
    ]);
  });
});

describe('EventStreamParser: retry', () => {
  it('sets the reconnection time from ASCII digits, with or without an event', () => {
    const retries: number[] = [];
    const parser = new EventStreamParser({ onRetry: (ms) => retries.push(ms) });
    parser.feed('retry: 1000\n\nretry: 0\ndata: a\n\n');
    expect(retries).toEqual([1000, 0]);
    expect(parser.retry).toBe(0);
  });

  it.each(['10a0', '-5', '1.5', '1e3', ' 100', '', '+1', '١٢٣', '0x10'])('ignores a retry of %j', (value) => {
    const outcome = parseChunks([`retry: 50\n\nretry: ${value}\ndata: a\n\n`]);
    expect(outcome.retry).toBe(50);
    expect(outcome.events[0]?.retry).toBeUndefined();
  });

  it('puts the retry of an event block on that event only', () => {
    const outcome = parseChunks(['event: bye\nretry: 3000\ndata: x\n\ndata: y\n\n']);
    expect(outcome.events).toEqual([
      { type: 'bye', data: 'x', id: '', retry: 3000 },
      { type: 'message', data: 'y', id: '' },
    ]);
  });
});

describe('EventStreamParser.parse and SseEvent', () => {
  it('parses a whole stream at once', () => {
    const parsed = EventStreamParser.parse('retry: 10\n: hi\nid: 1\ndata: {"n":1}\n\n');
    expect(parsed.events).toHaveLength(1);
    expect(parsed.events[0]).toBeInstanceOf(SseEvent);
    expect(parsed.events[0]?.retry).toBe(10);
    // And no `retry` key at all on an event whose block had none.
    expect(Object.keys(EventStreamParser.parse('data: x\n\n').events[0]!)).toEqual(['type', 'data', 'id']);
    expect(parsed.events[0]?.json<{ n: number }>().n).toBe(1);
    expect(parsed.comments).toEqual(['hi']);
    expect(parsed.lastEventId).toBe('1');
    expect(parsed.retry).toBe(10);
  });

  it('says which event failed to parse as JSON', () => {
    const [event] = EventStreamParser.parse('event: chat\ndata: {oops\n\n').events;
    expect(() => event?.json()).toThrow(/chat event's data is not JSON: "\{oops"/);
  });
});

describe('EventStreamParser: against another parser', () => {
  // Lines built from pieces that matter to the format: field names (known, unknown,
  // wrong case), colons, leading spaces, multi-byte text, and every line ending.
  const piece = fc.constantFrom('a', 'b', ' ', ':', '1', '0', 'é', '€', '𝄞', '\0');
  const value = fc.array(piece, { maxLength: 6 }).map((parts) => parts.join(''));
  const field = fc.constantFrom('data', 'data', 'event', 'id', 'retry', 'Data', 'foo', '', ':');
  const line = fc.tuple(field, fc.constantFrom('', ':', ': ', ':  '), value).map(([name, colon, text]) => name + colon + text);
  const ending = fc.constantFrom('\n', '\r', '\r\n');
  const stream = fc
    .array(fc.tuple(line, ending), { maxLength: 30 })
    .map((lines) => lines.map(([text, end]) => text + end).join('') + '\n\n');

  it('finds the same events, comments and retries as eventsource-parser, however the bytes are split', () => {
    fc.assert(
      fc.property(stream, fc.array(fc.nat(), { maxLength: 12 }), (text, cuts) => {
        const reference = { events: [] as string[][], comments: [] as string[], retries: [] as number[] };
        createParser({
          onEvent: (e) => reference.events.push([e.event ?? 'message', e.data]),
          onComment: (c) => reference.comments.push(c),
          onRetry: (ms) => reference.retries.push(ms),
        }).feed(text);

        const ours = { events: [] as string[][], comments: [] as string[], retries: [] as number[] };
        const parser = new EventStreamParser({
          onEvent: (e) => ours.events.push([e.type, e.data]),
          onComment: (c) => ours.comments.push(c),
          onRetry: (ms) => ours.retries.push(ms),
        });
        const bytes = utf8(text);
        const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((x, y) => x - y);
        let from = 0;
        for (const point of [...points, bytes.length]) {
          parser.feed(bytes.subarray(from, point));
          from = point;
        }
        parser.end();
        expect(ours).toEqual(reference);
      }),
      { numRuns: 1_000 },
    );
  });
});
