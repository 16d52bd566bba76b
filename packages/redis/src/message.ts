import type { EventAudience } from '@sluice/sse';

/**
 * One event on a channel or in a history stream:
 * `<epoch>|<offset>|<prev>|<publisher>|<seq>|<kind><length>:<target><body>`.
 *
 * - `offset`: the cluster-wide position (one counter for every event of a prefix);
 * - `prev`: the offset of the previous message on the same channel, so a receiver
 *   sees a gap at once (pub/sub is at-most-once);
 * - `publisher`/`seq`: the sending node and its own count, so an event retried
 *   after Redis lost it (and its dedupe record) is still delivered once;
 * - `kind`: `a` everyone, `p` a prefix, `i` an identifier, with the target's length
 *   in UTF-16 units (both ends are JavaScript; Redis only concatenates).
 *
 * The part after the fifth `|` (the tail) is built here; the Lua script puts the
 * head in front, since only it knows the offset.
 */
export interface WireMessage {
  readonly epoch: string;
  readonly offset: number;
  readonly prev: number;
  readonly publisher: string;
  readonly seq: number;
  readonly audience: EventAudience;
  readonly body: string;
}

const all: EventAudience = { kind: 'all' };

export function encodeTail(audience: EventAudience, body: string): string {
  switch (audience.kind) {
    case 'all':
      return `a0:${body}`;
    case 'prefix':
      return `p${audience.prefix.length}:${audience.prefix}${body}`;
    case 'identifier':
      return `i${audience.identifier.length}:${audience.identifier}${body}`;
  }
}

/** Parses a message; undefined when it is malformed (logged and skipped by the caller). */
export function decodeMessage(text: string): WireMessage | undefined {
  const fields: string[] = [];
  let at = 0;
  for (let i = 0; i < 5; i++) {
    const bar = text.indexOf('|', at);
    if (bar < 0) return undefined;
    fields.push(text.slice(at, bar));
    at = bar + 1;
  }
  const [epoch, offsetText, prevText, publisher, seqText] = fields as [string, string, string, string, string];
  if (!/^[0-9a-z]+$/.test(epoch) || publisher === '') return undefined;
  const offset = counter(offsetText);
  const prev = counter(prevText);
  const seq = counter(seqText);
  if (offset === undefined || prev === undefined || seq === undefined || offset < 1 || prev >= offset) return undefined;
  const kind = text[at];
  const colon = text.indexOf(':', at + 1);
  if (colon < 0) return undefined;
  const length = counter(text.slice(at + 1, colon));
  if (length === undefined || colon + 1 + length > text.length) return undefined;
  const target = text.slice(colon + 1, colon + 1 + length);
  const body = text.slice(colon + 1 + length);
  let audience: EventAudience;
  if (kind === 'a' && length === 0) audience = all;
  else if (kind === 'p') audience = { kind: 'prefix', prefix: target };
  else if (kind === 'i') audience = { kind: 'identifier', identifier: target };
  else return undefined;
  return { epoch, offset, prev, publisher, seq, audience, body };
}

function counter(text: string): number | undefined {
  if (!/^\d{1,15}$/.test(text)) return undefined;
  return Number(text);
}

/** The event id clients see: `<epoch>-<offset>`, opaque to them, comparable by offset within an epoch. */
export function eventId(epoch: string, offset: number): string {
  return `${epoch}-${offset}`;
}

/** Parses an event id; undefined when malformed. */
export function parseEventId(id: string): { epoch: string; offset: number } | undefined {
  const match = /^([0-9a-z]+)-(\d{1,15})$/.exec(id);
  if (match === null) return undefined;
  return { epoch: match[1]!, offset: Number(match[2]) };
}

/** True when an event for `audience` is addressed to the stream `identifier`. */
export function reaches(audience: EventAudience, identifier: string): boolean {
  switch (audience.kind) {
    case 'all':
      return true;
    case 'prefix':
      return identifier.startsWith(audience.prefix);
    case 'identifier':
      return identifier === audience.identifier;
  }
}
