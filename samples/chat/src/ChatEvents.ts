/** A chat message as stored, broadcast and returned by `POST /chat/messages`. */
export interface ChatMessage {
  /** 1, 2, 3...: also the SSE `id:` of the event carrying it, hence the browser's `Last-Event-ID`. */
  readonly id: number;
  readonly name: string;
  readonly text: string;
  /** When the server accepted it (ISO 8601). */
  readonly at: string;
}

/** Someone joined or left, with the member list as the registry has it right after. */
export interface PresenceChange {
  readonly name: string;
  readonly members: string[];
}

/**
 * The events of a chat stream (`GET /chat/events`), by SSE event type. Only
 * `message` events carry an `id:`, so the others never move a client's
 * `Last-Event-ID`.
 */
export interface ChatEvents {
  /** A chat message (the default event type: `onmessage` in a browser). */
  message: ChatMessage;
  /** The current members, first thing on every connection. */
  presence: { members: string[] };
  join: PresenceChange;
  leave: PresenceChange;
  /** The client was away so long that `missed` messages fell out of the history. */
  gap: { missed: number };
  /** The name was opened on another connection, which took over: stop reconnecting. */
  replaced: { reason: string };
}
