import { describe, expect, it } from '@jest/globals';
import { groupPrefix, groupsOf, isUserId, streamIdentifier, userIdOf } from '../src/identifiers.js';

describe('identifiers', () => {
  it('accepts user ids of lower-case segments joined by dashes, up to 64 characters', () => {
    for (const id of ['42', 'ada', 'ops-ada', 'ops-eu-bob', 'a_b-1', 'a'.repeat(64)]) expect([id, isUserId(id)]).toEqual([id, true]);
    for (const id of ['', 'Ada', '-ada', 'ada-', 'ops--ada', 'ops ada', 'ops/ada', 'é', 'a'.repeat(65)])
      expect([id, isUserId(id)]).toEqual([id, false]);
  });

  it('derives the stream identifier, the group prefix and the groups of a user', () => {
    expect(streamIdentifier('ops-ada')).toBe('user-ops-ada');
    expect(userIdOf('user-ops-ada')).toBe('ops-ada');
    expect(groupPrefix('ops')).toBe('user-ops-');
    expect(groupsOf('42')).toEqual([]);
    expect(groupsOf('ops-ada')).toEqual(['ops']);
    expect(groupsOf('ops-eu-bob')).toEqual(['ops', 'ops-eu']);
  });

  it('keeps a group from reaching ids that only share its letters', () => {
    const prefix = groupPrefix('ops');
    expect(['ops-ada', 'ops-eu-bob', 'ops', 'opsx-1'].map(streamIdentifier).filter((id) => id.startsWith(prefix))).toEqual([
      'user-ops-ada',
      'user-ops-eu-bob',
    ]);
  });
});
