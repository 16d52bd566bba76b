import { EventEmitter } from 'node:events';
import type { AnyEvents, EventMap, MessageData, SendOptions } from '../EventMap.js';
import type { HttpRequestEventSource } from '../stream/HttpRequestEventSource.js';
import type { EventSourceStats } from './EventSourceStats.js';

/**
 * Which identified streams a broadcast reaches besides all of them: those whose
 * identifier starts with `prefix` (on every node of a cluster), or those a
 * predicate accepts (this node only: code cannot cross processes).
 */
export type BroadcastTarget = { readonly prefix: string } | ((identifier: string) => boolean);

export interface RegistryEvents {
  registered: [source: HttpRequestEventSource];
  unregistered: [source: HttpRequestEventSource];
}

/**
 * The live, identified event streams (Sisk's `HttpServer.EventSources`), and the
 * way to reach them. Inject it into services to reach streams from outside their route:
 *
 * ```ts
 * constructor(@inject(EventSourceRegistry) private readonly sources: EventSourceRegistry) {}
 * notify(user: string, text: string) { return this.sources.sendTo(`user-${user}`, text); }
 * ```
 *
 * This class is the contract and the DI token. `ssePlugin()` binds the in-process
 * implementation; with a backplane installed (`@sluice/redis`), the same calls
 * reach every node. `getByIdentifier`, `find`, `all` and `count` are always this
 * node's live streams. Emits `registered` and `unregistered` with the stream; in
 * `unregistered`, `source.endReason` tells why it left (`'replaced'`, `'client'`...).
 * A listener that throws is logged and does not disturb the others or the stream.
 */
export abstract class EventSourceRegistry extends EventEmitter<RegistryEvents> {
  /**
   * This node's open stream with this identifier, or undefined. O(1). Pass the
   * stream's event map to send typed events: `getByIdentifier<ChatEvents>('chat-ada')`.
   */
  abstract getByIdentifier<TEvents extends EventMap = AnyEvents>(identifier: string): HttpRequestEventSource<TEvents> | undefined;

  /** This node's open streams whose identifier satisfies `predicate`. */
  abstract find<TEvents extends EventMap = AnyEvents>(predicate: (identifier: string) => boolean): HttpRequestEventSource<TEvents>[];

  /** Every open identified stream of this node. */
  abstract all<TEvents extends EventMap = AnyEvents>(): HttpRequestEventSource<TEvents>[];

  /** Number of open identified streams on this node. */
  abstract get count(): number;

  /**
   * Sends one event to every identified stream (every node's, with a backplane),
   * or to those `target` selects. Encoded once; the same bytes go to every
   * connection. Returns the number of streams on this node it was queued for.
   */
  abstract broadcast<TEvents extends EventMap = AnyEvents, K extends keyof TEvents & string = keyof TEvents & string>(
    data: TEvents[K],
    options: SendOptions & { event: K },
    target?: BroadcastTarget,
  ): number;
  abstract broadcast<TEvents extends EventMap = AnyEvents>(
    data: MessageData<TEvents>,
    options?: SendOptions,
    target?: BroadcastTarget,
  ): number;

  /**
   * Sends one event to the stream with this identifier, wherever it is connected
   * (with a backplane, only the node holding it gets it). Resolves to true if it
   * was connected somewhere.
   */
  abstract sendTo<TEvents extends EventMap = AnyEvents, K extends keyof TEvents & string = keyof TEvents & string>(
    identifier: string,
    data: TEvents[K],
    options: SendOptions & { event: K },
  ): Promise<boolean>;
  abstract sendTo<TEvents extends EventMap = AnyEvents>(
    identifier: string,
    data: MessageData<TEvents>,
    options?: SendOptions,
  ): Promise<boolean>;

  /** Identifiers connected anywhere (eventually consistent across nodes), optionally only those starting with `prefix`. */
  abstract presence(prefix?: string): Promise<string[]>;

  /** Closes every identified stream of this node; returns how many. */
  abstract dropAll(): number;

  /** Counters and gauges of this node, for monitoring. */
  abstract stats(): EventSourceStats;
}
