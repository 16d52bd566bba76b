/** Chat streams are registered as `chat-<name>`: the name is the identity, one stream per name. */
const prefix = 'chat-';

/** The registry identifier of a member's stream. */
export function memberIdentifier(name: string): string {
  return prefix + name;
}

/** True for the identifier of a chat stream (the registry may hold other streams too). */
export function isMemberIdentifier(identifier: string): boolean {
  return identifier.startsWith(prefix);
}

/** The member name in a chat stream's identifier, or undefined for another stream. */
export function memberName(identifier: string | undefined): string | undefined {
  return identifier !== undefined && isMemberIdentifier(identifier) ? identifier.slice(prefix.length) : undefined;
}
