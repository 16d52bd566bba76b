import { describe, expect, it } from '@jest/globals';
import { decodeMessage, encodeTail, eventId, parseEventId, reaches } from '../src/message.js';

describe('the wire message', () => {
  it('round-trips every audience, bodies with bars, colons and newlines included', () => {
    for (const audience of [
      { kind: 'all' } as const,
      { kind: 'prefix', prefix: 'user-ops-' } as const,
      { kind: 'identifier', identifier: 'ü:|x' } as const,
    ]) {
      const body = 'event: note\ndata: a|b:c\n\n';
      const message = decodeMessage(`e1x|42|40|node1|3|${encodeTail(audience, body)}`);
      expect(message).toEqual({ epoch: 'e1x', offset: 42, prev: 40, publisher: 'node1', seq: 3, audience, body });
    }
  });

  it('refuses what is malformed', () => {
    for (const text of [
      '',
      'garbage',
      'e|1|0|n|1|',
      'e|x|0|n|1|a0:',
      'e|1|1|n|1|a0:',
      'e|1|0|n|1|z0:',
      'e|1|0|n|1|p9:ab',
      'E!|1|0|n|1|a0:',
    ]) {
      expect(decodeMessage(text)).toBeUndefined();
    }
  });

  it('event ids are <epoch>-<offset>, and anything else is not one', () => {
    expect(parseEventId(eventId('ab12', 7))).toEqual({ epoch: 'ab12', offset: 7 });
    for (const id of ['', '7', 'ab-', '-7', 'ab-7-1', 'AB-7', 'ab-1e3']) expect(parseEventId(id)).toBeUndefined();
  });

  it('an audience reaches everyone, identifiers with its prefix, or one identifier', () => {
    expect(reaches({ kind: 'all' }, 'x')).toBe(true);
    expect(reaches({ kind: 'prefix', prefix: 'user-' }, 'user-1')).toBe(true);
    expect(reaches({ kind: 'prefix', prefix: 'user-' }, 'admin-1')).toBe(false);
    expect(reaches({ kind: 'identifier', identifier: 'a' }, 'a')).toBe(true);
    expect(reaches({ kind: 'identifier', identifier: 'a' }, 'ab')).toBe(false);
  });
});
