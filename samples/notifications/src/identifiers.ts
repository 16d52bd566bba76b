/**
 * How users, groups and stream identifiers relate in this sample.
 *
 * A user id is one or more segments joined by `-` (`42`, `ops-ada`, `ops-eu-bob`); each segment is
 * lower-case letters, digits or `_`. The leading segments name the groups a user belongs to:
 * `ops-eu-bob` is in the groups `ops` and `ops-eu`. A user's stream is identified as `user-<userId>`,
 * so one user is `getByIdentifier('user-ops-ada')` and a group is every identifier that starts with
 * `user-<group>-`. The `-` after the group keeps `ops` from matching `opsx-1`.
 */

const pattern = /^[a-z0-9_]+(?:-[a-z0-9_]+)*$/;
const maxLength = 64;

/** What a valid user id or group looks like, for error messages. */
export const idRule = `1 to ${maxLength} characters: lower-case letters, digits and _ in segments joined by - (e.g. 42, ops-ada)`;

/** True for a well-formed user id (also the shape of a group name). */
export function isUserId(value: string): boolean {
  return value.length <= maxLength && pattern.test(value);
}

/** Groups share the shape of user ids: `ops`, `ops-eu`. */
export const isGroup = isUserId;

/** The registry identifier of a user's stream: `user-42`. */
export function streamIdentifier(userId: string): string {
  return `user-${userId}`;
}

/** The user id of a stream identifier made by {@link streamIdentifier}. */
export function userIdOf(identifier: string): string {
  return identifier.slice('user-'.length);
}

/** The identifier prefix shared by every member of a group: `user-ops-`. */
export function groupPrefix(group: string): string {
  return `user-${group}-`;
}

/** The groups a user belongs to, widest first: `ops-eu-bob` is in `ops` and `ops-eu`. */
export function groupsOf(userId: string): string[] {
  const segments = userId.split('-');
  return segments.slice(1).map((_, i) => segments.slice(0, i + 1).join('-'));
}
