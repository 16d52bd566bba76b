import { SseEvent } from './SseEvent.js';

/** What an {@link EventStreamParser} reports as it reads a stream. */
export interface EventStreamHandlers {
  /** An event was dispatched (a blank line ended a block that had data). */
  onEvent?(event: SseEvent): void;
  /** A comment line (`: ping`), with one leading space removed. Browsers ignore these; tests want to see pings. */
  onComment?(text: string): void;
  /** A valid `retry:` field set the reconnection time (ms). */
  onRetry?(ms: number): void;
}

/** Everything {@link EventStreamParser.parse} found in a complete stream. */
export interface ParsedEventStream {
  events: SseEvent[];
  comments: string[];
  /** The last event ID when the stream ended. */
  lastEventId: string;
  /** The reconnection time the stream set last, if any. */
  retry: number | undefined;
}

const LF = 10;
const CR = 13;
const COLON = 58;
const SPACE = 32;
const digitsOnly = /^[0-9]+$/;

/**
 * An incremental `text/event-stream` parser following the WHATWG HTML rules for
 * interpreting an event stream, fed bytes as they arrive in chunks of any size.
 *
 * - Bytes are decoded as UTF-8 by a streaming decoder (a character split across
 *   chunks survives; invalid sequences become U+FFFD), and one leading BOM is dropped.
 * - Lines end at CRLF, LF or CR; a CR ending one chunk followed by an LF starting
 *   the next is one line break, not two.
 * - A line is split at its first colon into field and value, and one space after
 *   the colon is dropped; a line without a colon is a field with an empty value;
 *   a line starting with a colon is a comment.
 * - `data` appends the value and an LF; `event` sets the type; `id` sets the last
 *   event ID (unless the value holds NUL) which persists across events; `retry`
 *   sets the reconnection time when the value is all ASCII digits; other fields
 *   are ignored.
 * - A blank line dispatches: the last event ID takes the `id` buffer's value, and
 *   unless no data was given an event fires with the data minus its final LF.
 * - At the end of the stream an unfinished line or event is discarded.
 *
 * ```ts
 * const parser = new EventStreamParser({ onEvent: (e) => console.log(e.type, e.data) });
 * response.on('data', (chunk: Buffer) => parser.feed(chunk));
 * response.on('end', () => parser.end());
 * ```
 */
export class EventStreamParser {
  readonly #handlers: EventStreamHandlers;
  readonly #encoder = new TextEncoder();
  readonly #decoder = new TextDecoder('utf-8');
  /** The unfinished line carried over from earlier chunks. */
  #partial = '';
  /** The previous chunk ended in CR: an LF starting the next one belongs to that line break. */
  #skipLeadingLF = false;
  #data = '';
  #type = '';
  #idBuffer: string;
  #lastEventId: string;
  #blockRetry: number | undefined;
  #retry: number | undefined;

  /** `lastEventId`: the ID already in effect, as for a client that reconnected with `Last-Event-ID`. */
  constructor(handlers: EventStreamHandlers = {}, options: { lastEventId?: string } = {}) {
    this.#handlers = handlers;
    this.#idBuffer = this.#lastEventId = options.lastEventId ?? '';
  }

  /** Parses a whole stream at once. */
  static parse(input: Uint8Array | string, options?: { lastEventId?: string }): ParsedEventStream {
    const events: SseEvent[] = [];
    const comments: string[] = [];
    const parser = new EventStreamParser({ onEvent: (e) => events.push(e), onComment: (c) => comments.push(c) }, options);
    parser.feed(input);
    parser.end();
    return { events, comments, lastEventId: parser.lastEventId, retry: parser.retry };
  }

  /** The last event ID string: what a reconnecting browser sends as `Last-Event-ID` (`''` for none). */
  get lastEventId(): string {
    return this.#lastEventId;
  }

  /** The reconnection time (ms) the stream set last with `retry:`, or undefined. */
  get retry(): number | undefined {
    return this.#retry;
  }

  /** Reads the next chunk of the stream. A string is taken as the text of UTF-8 bytes. */
  feed(chunk: Uint8Array | string): void {
    const bytes = typeof chunk === 'string' ? this.#encoder.encode(chunk) : chunk;
    this.#text(this.#decoder.decode(bytes, { stream: true }));
  }

  /**
   * The stream ended: what was not terminated (a partial line, an event without
   * its blank line) is discarded, as the spec says. The parser can then read a
   * new stream (a reconnection); the last event ID carries over, as browsers keep it.
   */
  end(): void {
    // A non-streaming call flushes the decoder and resets it (BOM handling included) for a new stream.
    this.#decoder.decode();
    this.#partial = '';
    this.#skipLeadingLF = false;
    this.#data = '';
    this.#type = '';
    this.#blockRetry = undefined;
    this.#idBuffer = this.#lastEventId;
  }

  #text(text: string): void {
    // A chunk holding only part of a character decodes to '': it must not clear the pending CR.
    if (text.length === 0) return;
    let start = 0;
    if (this.#skipLeadingLF) {
      this.#skipLeadingLF = false;
      if (text.charCodeAt(0) === LF) start = 1;
    }
    for (let i = start; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code !== LF && code !== CR) continue;
      const line = this.#partial === '' ? text.slice(start, i) : this.#partial + text.slice(start, i);
      this.#partial = '';
      if (code === CR) {
        if (i + 1 === text.length) this.#skipLeadingLF = true;
        else if (text.charCodeAt(i + 1) === LF) i++;
      }
      start = i + 1;
      this.#line(line);
    }
    if (start < text.length) this.#partial += text.slice(start);
  }

  #line(line: string): void {
    if (line.length === 0) {
      this.#dispatch();
      return;
    }
    if (line.charCodeAt(0) === COLON) {
      this.#handlers.onComment?.(line.charCodeAt(1) === SPACE ? line.slice(2) : line.slice(1));
      return;
    }
    const colon = line.indexOf(':');
    let field = line;
    let value = '';
    if (colon > 0) {
      field = line.slice(0, colon);
      value = line.charCodeAt(colon + 1) === SPACE ? line.slice(colon + 2) : line.slice(colon + 1);
    }
    switch (field) {
      case 'data':
        this.#data += value + '\n';
        break;
      case 'event':
        this.#type = value;
        break;
      case 'id':
        if (!value.includes('\0')) this.#idBuffer = value;
        break;
      case 'retry':
        if (digitsOnly.test(value)) {
          const ms = Number.parseInt(value, 10);
          this.#retry = ms;
          this.#blockRetry = ms;
          this.#handlers.onRetry?.(ms);
        }
        break;
      default:
      // Unknown fields are ignored.
    }
  }

  #dispatch(): void {
    // The ID is taken even by a block without data: `id: 7` + blank line moves the last event ID.
    this.#lastEventId = this.#idBuffer;
    const retry = this.#blockRetry;
    this.#blockRetry = undefined;
    const data = this.#data;
    const type = this.#type;
    this.#data = '';
    this.#type = '';
    if (data === '') return;
    this.#handlers.onEvent?.(new SseEvent(type === '' ? 'message' : type, data.slice(0, -1), this.#lastEventId, retry));
  }
}
