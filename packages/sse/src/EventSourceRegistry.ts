import { EventEmitter } from 'node:events';
import type { EventFields } from './frame.js';
import { encodeEvent, Frame } from './frame.js';
import type { EventSourceHub } from './EventSourceHub.js';
import type { AnyEvents, EventMap, HttpRequestEventSource } from './HttpRequestEventSource.js';

/** Figures from `registry.stats()`. */
export interface EventSourceStats {
  /** Streams open now, identified or not. */
  open: number;
  /** Identified streams open now (the registry's `count`). */
  identified: number;
  /** Bytes waiting in all connections' queues and socket buffers. */
  queuedBytes: number;
  /** Connections dropped for falling more than `maxBufferedBytes` behind. */
  slowClientsDropped: number;
  /** Events written (not pings or `retry:` lines), counted per connection. */
  messagesSent: number;
  /** Bytes written, counted per connection. */
  bytesSent: number;
}

interface RegistryEvents {
  registered: [source: HttpRequestEventSource];
  unregistered: [source: HttpRequestEventSource];
}

/**
 * The live, identified event streams of a host (Sisk's `HttpServer.EventSources`).
 * Inject it into services to reach streams from outside their route:
 *
 * ```ts
 * constructor(@inject(EventSourceRegistry) private readonly sources: EventSourceRegistry) {}
 * notify(user: string, text: string) { this.sources.getByIdentifier(`user-${user}`)?.send(text); }
 * ```
 *
 * A stream is here from the moment its head is sent until it closes, for
 * whatever reason. A second stream with an identifier in use replaces the first,
 * which is closed. Emits `registered` and `unregistered` with the stream; in
 * `unregistered`, `source.endReason` tells why it left (`'replaced'`, `'client'`...).
 */
export class EventSourceRegistry extends EventEmitter<RegistryEvents> {
  readonly #byIdentifier = new Map<string, HttpRequestEventSource>();
  readonly #hub: EventSourceHub;

  /** @internal Bound by `ssePlugin()`; inject it, don't construct it. */
  constructor(hub: EventSourceHub) {
    super();
    this.#hub = hub;
    hub.attach(this);
  }

  /**
   * The open stream with this identifier, or undefined. O(1). Pass the stream's
   * event map to send typed events: `getByIdentifier<ChatEvents>('chat-ada')`
   * (the registry cannot check which map a stream was opened with).
   */
  getByIdentifier<TEvents extends EventMap = AnyEvents>(identifier: string): HttpRequestEventSource<TEvents> | undefined {
    return this.#byIdentifier.get(identifier) as HttpRequestEventSource<TEvents> | undefined;
  }

  /** The open streams whose identifier satisfies `predicate`. */
  find<TEvents extends EventMap = AnyEvents>(predicate: (identifier: string) => boolean): HttpRequestEventSource<TEvents>[] {
    const found: HttpRequestEventSource<TEvents>[] = [];
    for (const [identifier, source] of this.#byIdentifier) if (predicate(identifier)) found.push(source as HttpRequestEventSource<TEvents>);
    return found;
  }

  /** Every open identified stream (pass an event map to send typed events, as with `find`). */
  all<TEvents extends EventMap = AnyEvents>(): HttpRequestEventSource<TEvents>[] {
    return [...this.#byIdentifier.values()] as HttpRequestEventSource<TEvents>[];
  }

  /** @internal Iterates without copying (the flush scheduler walks it once per flush). */
  values(): IterableIterator<HttpRequestEventSource> {
    return this.#byIdentifier.values();
  }

  /** Number of open identified streams. */
  get count(): number {
    return this.#byIdentifier.size;
  }

  /**
   * Sends one event to every identified stream (or those whose identifier
   * satisfies `predicate`). The event is encoded once and the same bytes are
   * queued for every connection. Returns the number of streams it was queued for.
   */
  broadcast(data: unknown, options?: EventFields, predicate?: (identifier: string) => boolean): number {
    const frame = new Frame(encodeEvent(data, options));
    if (predicate === undefined) {
      // To everyone: one journal entry, not one queue push per connection.
      this.#hub.broadcastAll(frame);
      return this.#byIdentifier.size;
    }
    let queued = 0;
    // Hot loop of a fan-out: no closures, no intermediate arrays.
    for (const [identifier, source] of this.#byIdentifier) {
      if (!predicate(identifier)) continue;
      if (source.sendFrame(frame)) queued++;
    }
    return queued;
  }

  /** Closes every identified stream; returns how many. */
  dropAll(): number {
    const sources = [...this.#byIdentifier.values()];
    for (const source of sources) source.close();
    return sources.length;
  }

  /** Counters and gauges for monitoring. */
  stats(): EventSourceStats {
    let queuedBytes = 0;
    for (const source of this.#hub.open) queuedBytes += source.bufferedBytes;
    const counters = this.#hub.stats;
    return {
      open: this.#hub.open.size,
      identified: this.#byIdentifier.size,
      queuedBytes,
      slowClientsDropped: counters.slowClientsDropped,
      messagesSent: counters.messagesSent,
      bytesSent: counters.bytesSent,
    };
  }

  /** @internal */
  add(source: HttpRequestEventSource): void {
    const identifier = source.identifier!;
    const previous = this.#byIdentifier.get(identifier);
    if (previous === source) return;
    if (previous !== undefined) {
      // The newer connection wins (a reconnecting browser tab): end the old one first, so it leaves
      // through remove() and `unregistered` listeners see `endReason === 'replaced'` on it.
      previous.end('replaced');
      if (this.#byIdentifier.get(identifier) === previous) {
        this.#byIdentifier.delete(identifier);
        this.emit('unregistered', previous);
      }
    }
    this.#byIdentifier.set(identifier, source);
    this.emit('registered', source);
  }

  /** @internal */
  remove(source: HttpRequestEventSource): void {
    const identifier = source.identifier!;
    if (this.#byIdentifier.get(identifier) !== source) return;
    this.#byIdentifier.delete(identifier);
    this.emit('unregistered', source);
  }
}
