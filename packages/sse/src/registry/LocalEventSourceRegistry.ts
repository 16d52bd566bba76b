import { encodeEvent, Frame, type EventFields } from '../frame.js';
import type { AnyEvents, EventMap, EventSourceEndReason } from '../EventMap.js';
import type { EventSourceConnection } from '../stream/EventSourceConnection.js';
import type { HttpRequestEventSource } from '../stream/HttpRequestEventSource.js';
import type { Outbox } from '../stream/Outbox.js';
import { EventSourceRegistry, type BroadcastTarget, type RegistryEvents } from './EventSourceRegistry.js';
import type { EventSourceStats } from './EventSourceStats.js';
import type { LocalDelivery, StreamIndex } from './StreamIndex.js';
import type { EventAudience } from './EventSourceBackplane.js';

type Connection = EventSourceConnection<HttpRequestEventSource>;

/**
 * The in-process registry: an index of this host's identified streams and the
 * delivery to them. A broadcast to everyone is one journal entry whatever the
 * number of streams; a prefix or predicate walks the index once with one
 * encoded frame.
 */
export class LocalEventSourceRegistry extends EventSourceRegistry implements StreamIndex {
  readonly #byIdentifier = new Map<string, Connection>();
  readonly #delivery: LocalDelivery;

  /** @internal Bound by `ssePlugin()`; inject `EventSourceRegistry`, don't construct it. */
  constructor(delivery: LocalDelivery) {
    super();
    this.#delivery = delivery;
  }

  override getByIdentifier<TEvents extends EventMap = AnyEvents>(identifier: string): HttpRequestEventSource<TEvents> | undefined {
    return this.#byIdentifier.get(identifier)?.source as HttpRequestEventSource<TEvents> | undefined;
  }

  override find<TEvents extends EventMap = AnyEvents>(predicate: (identifier: string) => boolean): HttpRequestEventSource<TEvents>[] {
    const found: HttpRequestEventSource<TEvents>[] = [];
    for (const [identifier, connection] of this.#byIdentifier) {
      if (predicate(identifier)) found.push(connection.source as HttpRequestEventSource<TEvents>);
    }
    return found;
  }

  override all<TEvents extends EventMap = AnyEvents>(): HttpRequestEventSource<TEvents>[] {
    const out: HttpRequestEventSource<TEvents>[] = [];
    for (const connection of this.#byIdentifier.values()) out.push(connection.source as HttpRequestEventSource<TEvents>);
    return out;
  }

  override get count(): number {
    return this.#byIdentifier.size;
  }

  override broadcast(data: unknown, options?: EventFields, target?: BroadcastTarget): number {
    return this.deliverFrame(new Frame(encodeEvent(data, options)), audienceOf(target));
  }

  override sendTo(identifier: string, data: unknown, options?: EventFields): Promise<boolean> {
    try {
      const connection = this.#byIdentifier.get(identifier);
      return Promise.resolve(connection !== undefined && connection.sendFrame(new Frame(encodeEvent(data, options))));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  override presence(prefix?: string): Promise<string[]> {
    return Promise.resolve(this.localIdentifiers(prefix));
  }

  override dropAll(): number {
    const connections = [...this.#byIdentifier.values()];
    for (const connection of connections) connection.end('closed');
    return connections.length;
  }

  override stats(): EventSourceStats {
    const figures = this.#delivery.figures();
    return {
      open: figures.open,
      identified: this.#byIdentifier.size,
      queuedBytes: figures.queuedBytes,
      slowClientsDropped: figures.slowClientsDropped,
      messagesSent: figures.messagesSent,
      bytesSent: figures.bytesSent,
    };
  }

  // StreamIndex (the hub's side)
  /** @internal */
  add(connection: EventSourceConnection): void {
    const identifier = connection.identifier!;
    const previous = this.#byIdentifier.get(identifier);
    if (previous === connection) return;
    if (previous !== undefined) {
      // The newer connection wins (a reconnecting browser tab): end the old one first, so it leaves
      // through remove() and `unregistered` listeners see `endReason === 'replaced'` on it.
      previous.end('replaced');
      if (this.#byIdentifier.get(identifier) === previous) {
        this.#byIdentifier.delete(identifier);
        this.emitSafely('unregistered', previous.source);
      }
    }
    this.#byIdentifier.set(identifier, connection as Connection);
    this.added(connection as Connection);
    this.emitSafely('registered', (connection as Connection).source);
  }

  /** @internal */
  remove(connection: EventSourceConnection, reason: EventSourceEndReason): void {
    const identifier = connection.identifier!;
    if (this.#byIdentifier.get(identifier) !== connection) return;
    this.#byIdentifier.delete(identifier);
    this.removed(connection as Connection, reason);
    this.emitSafely('unregistered', (connection as Connection).source);
  }

  /** @internal */
  has(identifier: string): boolean {
    return this.#byIdentifier.has(identifier);
  }

  /** @internal Walked once per flush that carries broadcasts: no copy. */
  *journalTargets(): Iterable<Outbox | undefined> {
    for (const connection of this.#byIdentifier.values()) yield connection.journalOutbox;
  }

  /** A stream joined the index (after replacing a predecessor, before `registered`). */
  protected added(_connection: Connection): void {}

  /** A stream left the index (before `unregistered`). */
  protected removed(_connection: Connection, _reason: EventSourceEndReason): void {}

  /** This node's identifiers, optionally with a prefix. */
  protected localIdentifiers(prefix?: string): string[] {
    const out: string[] = [];
    for (const identifier of this.#byIdentifier.keys()) if (prefix === undefined || identifier.startsWith(prefix)) out.push(identifier);
    return out;
  }

  /** This node's identifiers, without a copy. */
  protected identifierKeys(): IterableIterator<string> {
    return this.#byIdentifier.keys();
  }

  protected get delivery(): LocalDelivery {
    return this.#delivery;
  }

  /**
   * Queues one encoded event for this node's streams in `audience`, skipping
   * streams that are replaying (they get it through their replay). Returns how many.
   */
  protected deliverFrame(frame: Frame, audience: EventAudience | PredicateAudience): number {
    switch (audience.kind) {
      case 'all':
        // To everyone: one journal entry, not one queue push per connection.
        this.#delivery.broadcastAll(frame);
        return this.#byIdentifier.size;
      case 'identifier': {
        const connection = this.#byIdentifier.get(audience.identifier);
        return connection !== undefined && !connection.held && connection.sendFrame(frame) ? 1 : 0;
      }
      case 'prefix':
      case 'predicate': {
        let queued = 0;
        // Hot loop of a fan-out: no closures, no intermediate arrays.
        for (const [identifier, connection] of this.#byIdentifier) {
          if (audience.kind === 'prefix' ? !identifier.startsWith(audience.prefix) : !audience.predicate(identifier)) continue;
          if (!connection.held && connection.sendFrame(frame)) queued++;
        }
        return queued;
      }
    }
  }

  /** Calls each listener in its own try/catch: a listener's bug is logged, never thrown into the stream's I/O callbacks. */
  protected emitSafely<E extends keyof RegistryEvents>(event: E, ...args: RegistryEvents[E]): void {
    if (this.listenerCount(event) === 0) return;
    for (const listener of this.rawListeners(event) as Array<(...a: RegistryEvents[E]) => void>) {
      try {
        listener.apply(this, args);
      } catch (error) {
        this.#delivery.logger?.error({ err: error, event }, `an EventSourceRegistry '${event}' listener threw`);
      }
    }
  }
}

/** Turns a broadcast target into an audience. */
export function audienceOf(target: BroadcastTarget | undefined): EventAudience | PredicateAudience {
  if (target === undefined) return allAudience;
  if (typeof target === 'function') return { kind: 'predicate', predicate: target };
  if (target === null || typeof target !== 'object' || typeof target.prefix !== 'string') {
    throw new TypeError('A broadcast target is { prefix: string } or a function (identifier) => boolean');
  }
  return { kind: 'prefix', prefix: target.prefix };
}

/** A predicate stays on this node: code cannot cross processes. */
export interface PredicateAudience {
  readonly kind: 'predicate';
  readonly predicate: (identifier: string) => boolean;
}

const allAudience: EventAudience = { kind: 'all' };
