import { SseErrorCodes, sseError } from './errors.js';

/** Fields of one server-sent event besides its data. */
export interface EventFields {
  /** The event type (`addEventListener(type)` on the client); omitted = `message`. */
  event?: string;
  /** The id the client echoes back in `Last-Event-ID` when it reconnects. */
  id?: string | number;
  /** Reconnection delay the client should use, in ms. */
  retry?: number;
}

/**
 * An encoded event, ready for the wire. A broadcast encodes once and hands the
 * same frame to every connection; `chunked` caches the frame wrapped in HTTP/1.1
 * chunk framing so a connection with nothing else queued writes it as is.
 */
export class Frame {
  readonly bytes: Buffer;
  /** False for pings and bare `retry:` frames: they do not count as messages for idle timeouts. */
  readonly isMessage: boolean;
  /** Counts the times this frame was handed to a connection (`sendAll` resolves to what was written, not attempted). */
  readonly tally: WriteTally | undefined;
  #chunked: Buffer | undefined;

  constructor(bytes: Buffer, isMessage = true, tally?: WriteTally) {
    this.bytes = bytes;
    this.isMessage = isMessage;
    this.tally = tally;
  }

  /** `<hex length>\r\n<bytes>\r\n`, built the first time it is asked for. */
  get chunked(): Buffer {
    return (this.#chunked ??= chunk(this.bytes));
  }
}

/** A counter shared by the frames of one `sendAll`. */
export interface WriteTally {
  written: number;
}

/** Wraps bytes in one HTTP/1.1 chunk. */
export function chunk(bytes: Buffer): Buffer {
  const head = `${bytes.length.toString(16)}\r\n`;
  const out = Buffer.allocUnsafe(head.length + bytes.length + 2);
  out.write(head, 0, 'latin1');
  bytes.copy(out, head.length);
  out[out.length - 2] = 13;
  out[out.length - 1] = 10;
  return out;
}

const lineBreak = /\r\n|\r|\n/;
const forbiddenInField = /[\r\n\0]/;

/**
 * Encodes one event per the WHATWG event-stream format. Strings go as they are,
 * anything else as JSON; data spanning lines (CRLF, CR or LF) becomes one
 * `data:` line per line, so the client rebuilds it with LF. An `event` or `id`
 * containing CR, LF or NUL throws before anything is written: user input must
 * not be able to inject fields or events.
 */
export function encodeEvent(data: unknown, fields?: EventFields): Buffer {
  return Buffer.from(encodeEventText(data, fields), 'utf8');
}

/** {@link encodeEvent} as text (a cluster event travels as text and is turned into bytes once per node). */
export function encodeEventText(data: unknown, fields?: EventFields): string {
  let out = '';
  if (fields !== undefined) {
    if (fields.event !== undefined) out += `event: ${checkField('event', fields.event)}\n`;
    if (fields.id !== undefined) out += `id: ${checkField('id', String(fields.id))}\n`;
    if (fields.retry !== undefined) out += `retry: ${checkRetry(fields.retry)}\n`;
  }
  const text = typeof data === 'string' ? data : stringify(data);
  // Fast path: most events are one line.
  if (text.indexOf('\n') < 0 && text.indexOf('\r') < 0) out += `data: ${text}\n\n`;
  else out += `data: ${text.split(lineBreak).join('\ndata: ')}\n\n`;
  return out;
}

/**
 * Encodes a comment line (`: text`), which clients ignore: used for pings that
 * keep proxies and the TCP path alive without firing `onmessage`.
 */
export function encodeComment(text: string): Buffer {
  return Buffer.from(text === '' ? ':\n\n' : `: ${text.split(lineBreak).join('\n: ')}\n\n`, 'utf8');
}

/** Encodes only a `retry:` field (no event is dispatched). */
export function encodeRetry(retry: number): Buffer {
  return Buffer.from(`retry: ${checkRetry(retry)}\n\n`, 'latin1');
}

function checkField(name: string, value: string): string {
  if (forbiddenInField.test(value)) {
    throw sseError(
      SseErrorCodes.InvalidField,
      `The SSE ${name} ${JSON.stringify(value)} contains CR, LF or NUL; these would inject fields. Strip or reject them first.`,
    );
  }
  return value;
}

function checkRetry(retry: number): number {
  if (!Number.isInteger(retry) || retry < 0) {
    throw sseError(SseErrorCodes.InvalidField, `The SSE retry must be a non-negative integer of milliseconds, got ${retry}`);
  }
  return retry;
}

function stringify(data: unknown): string {
  const json = JSON.stringify(data);
  // undefined, functions and symbols have no JSON form: say so rather than send "undefined".
  if (json === undefined)
    throw sseError(SseErrorCodes.InvalidField, `Cannot send ${typeof data} as an SSE message; send a string or a JSON value`);
  return json;
}
