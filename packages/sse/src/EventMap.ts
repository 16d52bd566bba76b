import type { EventFields } from './frame.js';

/**
 * Event names to data types, for typed streams: `req.getEventSource<{ chat: ChatMessage }>()`.
 * Any object type works as a map (an `interface` too); the default is open: any name, any data.
 */
export type EventMap = object;

/** The default, open map. */
export type AnyEvents = Record<string, unknown>;

/** Data of an event without a name (`message`): typed when the map has `message`, free when the map is open. */
export type MessageData<TEvents extends EventMap> = 'message' extends keyof TEvents
  ? TEvents['message']
  : string extends keyof TEvents
    ? unknown
    : never;

/** `send` options besides the event name. */
export type SendOptions = Omit<EventFields, 'event'>;

/** `sendAll` options besides the event name: `id` may be computed per item. */
export interface SendAllOptions<T> {
  /** One id for every item, or one per item (`(item, index) => id`; undefined sends none). */
  id?: string | number | ((item: T, index: number) => string | number | undefined);
  retry?: number;
}

/**
 * Why a stream ended, as `keepAlive()` resolves and `endReason` tells:
 * - `client`: the client went away (or the connection failed);
 * - `closed`: the application called `close()` (or the registry's `dropAll()`);
 * - `idle`: `keepAlive(timeoutMs)` saw no message for that long;
 * - `replaced`: a newer stream registered the same identifier;
 * - `slow-client`: the client stopped taking bytes while more than `maxBufferedBytes` waited for it;
 * - `shutdown`: the host is stopping.
 */
export type EventSourceEndReason = 'client' | 'closed' | 'idle' | 'replaced' | 'slow-client' | 'shutdown';
