import { SseErrorCodes, sseError } from '../errors.js';
import { encodeEventText, Frame, type EventFields } from '../frame.js';
import type { EventSourceEndReason } from '../EventMap.js';
import type { EventSourceConnection } from '../stream/EventSourceConnection.js';
import type { HttpRequestEventSource } from '../stream/HttpRequestEventSource.js';
import type { BackplaneNode, DeliveredEvent, EventAudience, EventSourceBackplane, ReplayResult } from './EventSourceBackplane.js';
import type { BroadcastTarget } from './EventSourceRegistry.js';
import { audienceOf, LocalEventSourceRegistry } from './LocalEventSourceRegistry.js';
import type { LocalDelivery } from './StreamIndex.js';

type Connection = EventSourceConnection<HttpRequestEventSource>;

/**
 * The registry with a backplane: `broadcast`, prefix sends and `sendTo` go to
 * the backplane, which delivers them to every node (this one included) in one
 * order, through {@link deliver}. A stream that opens with `Last-Event-ID`
 * first gets what it missed (the backplane's replay), while live events for it
 * are held; at the seam, held events the replay already carried are skipped
 * (by id), so nothing is doubled or lost.
 */
export class ClusterEventSourceRegistry extends LocalEventSourceRegistry implements BackplaneNode {
  readonly #backplane: EventSourceBackplane;
  /** Streams whose replay is in flight, with the live events held for them meanwhile. */
  readonly #replaying = new Map<Connection, DeliveredEvent[]>();

  /** @internal Bound by `ssePlugin()` when an `EventSourceBackplane` is bound. */
  constructor(delivery: LocalDelivery, backplane: EventSourceBackplane) {
    super(delivery);
    this.#backplane = backplane;
  }

  get logger(): LocalDelivery['logger'] {
    return this.delivery.logger;
  }

  override broadcast(data: unknown, options?: EventFields, target?: BroadcastTarget): number {
    const audience = audienceOf(target);
    if (audience.kind === 'predicate') {
      // Code cannot cross processes: a predicate reaches this node's streams only.
      return super.broadcast(data, options, target);
    }
    this.#backplane.publish({ audience, body: this.#body(data, options) });
    return audience.kind === 'prefix' ? this.#countPrefix(audience.prefix) : this.count;
  }

  override sendTo(identifier: string, data: unknown, options?: EventFields): Promise<boolean> {
    try {
      return this.#backplane.sendTo({ audience: { kind: 'identifier', identifier }, body: this.#body(data, options) });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  override presence(prefix?: string): Promise<string[]> {
    return this.#backplane.presence(prefix);
  }

  // BackplaneNode
  deliver(event: DeliveredEvent): number {
    const frame = frameOf(event);
    if (this.#replaying.size > 0) {
      for (const [connection, held] of this.#replaying) if (reaches(event.audience, connection.identifier!)) held.push(event);
    }
    return this.deliverFrame(frame, event.audience);
  }

  identifiers(): IterableIterator<string> {
    return this.identifierKeys();
  }

  protected override added(connection: Connection): void {
    const identifier = connection.identifier!;
    this.#backplane.joined(identifier);
    const lastEventId = connection.request.header('last-event-id');
    if (lastEventId === undefined || this.#backplane.replay === undefined) return;
    // Live events for this stream are held from now until its replay is written.
    connection.hold();
    this.#replaying.set(connection, []);
    this.#backplane.replay(identifier, lastEventId).then(
      (result) => this.#finishReplay(connection, lastEventId, result),
      (error: unknown) => {
        this.logger?.warn({ err: error, identifier }, 'replay failed; the stream gets a gap event');
        this.#finishReplay(connection, lastEventId, { kind: 'gap' });
      },
    );
  }

  protected override removed(connection: Connection, reason: EventSourceEndReason): void {
    this.#replaying.delete(connection);
    // A replaced stream's successor joins at once: presence keeps the identifier.
    if (reason !== 'replaced') this.#backplane.left(connection.identifier!);
  }

  #finishReplay(connection: Connection, lastEventId: string, result: ReplayResult): void {
    const held = this.#replaying.get(connection);
    this.#replaying.delete(connection);
    if (held === undefined || connection.state !== 'open') return;
    let seen: Set<string> | undefined;
    if (result.kind === 'gap') {
      connection.sendFrame(new Frame(Buffer.from(`event: gap\ndata: ${JSON.stringify({ lastEventId })}\n\n`, 'utf8')));
    } else {
      seen = new Set();
      for (const event of result.events) {
        if (event.id !== undefined) seen.add(event.id);
        connection.sendFrame(frameOf(event));
      }
    }
    for (const event of held) {
      if (event.id !== undefined && seen?.has(event.id)) continue;
      connection.sendFrame(frameOf(event));
    }
    // Broadcasts already in the journal reached it through `held`: the journal resumes after them.
    connection.release(this.delivery.seq);
  }

  #body(data: unknown, options: EventFields | undefined): string {
    if (options?.id !== undefined && this.#backplane.assignsIds) {
      throw sseError(
        SseErrorCodes.InvalidOption,
        `The ${this.#backplane.name} backplane assigns event ids (for replay across nodes); send without an id option.`,
      );
    }
    return encodeEventText(data, options);
  }

  #countPrefix(prefix: string): number {
    let count = 0;
    for (const identifier of this.identifierKeys()) if (identifier.startsWith(prefix)) count++;
    return count;
  }
}

function reaches(audience: EventAudience, identifier: string): boolean {
  switch (audience.kind) {
    case 'all':
      return true;
    case 'prefix':
      return identifier.startsWith(audience.prefix);
    case 'identifier':
      return identifier === audience.identifier;
  }
}

/** The wire bytes of a delivered event: its id line, then the body every node received. */
function frameOf(event: DeliveredEvent): Frame {
  return new Frame(Buffer.from(event.id === undefined ? event.body : `id: ${event.id}\n${event.body}`, 'utf8'));
}
