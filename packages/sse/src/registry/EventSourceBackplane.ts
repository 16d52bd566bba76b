import type { Logger } from 'pino';

/**
 * Who a cluster event is for: every identified stream, those whose identifier
 * starts with a prefix, or the one stream with an identifier.
 */
export type EventAudience =
  | { readonly kind: 'all' }
  | { readonly kind: 'prefix'; readonly prefix: string }
  | { readonly kind: 'identifier'; readonly identifier: string };

/**
 * An event on its way between nodes. `body` is the event already encoded for
 * the wire (its `event:`, `retry:` and `data:` lines and the closing blank
 * line) without an `id:` line: the backplane assigns ids, and each node only
 * prepends `id: <id>\n` to what it receives, so an event is encoded once in
 * the cluster, not once per node or per connection.
 */
export interface ClusterEvent {
  readonly audience: EventAudience;
  readonly body: string;
}

/** An event as a backplane hands it to a node, in the cluster's order. */
export interface DeliveredEvent extends ClusterEvent {
  /** The id the backplane assigned (sent as the `id:` field), or undefined when it assigns none. */
  readonly id: string | undefined;
}

/** What a replay found: the events after the client's `Last-Event-ID`, in order, or a gap. */
export type ReplayResult =
  | { readonly kind: 'events'; readonly events: readonly DeliveredEvent[] }
  /** The id is older than the history, unknown, malformed, or from before the backplane lost its data. */
  | { readonly kind: 'gap' };

/**
 * This node as a backplane sees it: where delivered events go, and which
 * identified streams it holds. Made by `@sluice/sse` and handed to
 * {@link EventSourceBackplane.start}.
 */
export interface BackplaneNode {
  /**
   * Delivers an event that came through the backplane to this node's matching
   * streams (the publisher's own events come back through here too, so every
   * node delivers in the backplane's order). Returns the number of streams it
   * was queued for. Streams that are replaying get it after their replay, once.
   */
  deliver(event: DeliveredEvent): number;
  /** Identifiers of this node's open streams (to announce presence again after the backplane lost it). */
  identifiers(): IterableIterator<string>;
  /** The host's logger (undefined when logging is off). */
  readonly logger: Logger | undefined;
}

/**
 * Carries events between the nodes of a cluster (an extension point: `@sluice/redis`
 * implements it). With a backplane installed, the injected `EventSourceRegistry`
 * reaches every node: `broadcast` and `sendTo` publish here instead of delivering
 * locally, and whatever the backplane delivers (its own publications included)
 * reaches local streams through {@link BackplaneNode.deliver}.
 *
 * Install one by binding it before the host is built, from a plugin:
 *
 * ```ts
 * register(context) { context.container.bind(EventSourceBackplane).toConstantValue(myBackplane); }
 * ```
 *
 * Every implementation runs the registry conformance table (`test/support/registryConformance.ts`).
 */
export abstract class EventSourceBackplane {
  /** Shown in logs. */
  abstract readonly name: string;
  /** True when the backplane assigns event ids (then an `id` passed in send options is refused). */
  abstract readonly assignsIds: boolean;
  /** Connects and starts delivering to `node`; rejects when it cannot (the host's `start()` rejects then). */
  abstract start(node: BackplaneNode): Promise<void>;
  /** Leaves the cluster: presence, subscriptions, connections. Resolves once nothing is left open. */
  abstract stop(): Promise<void>;
  /**
   * Sends a broadcast or prefix event into the cluster. Synchronous: the event
   * is accepted (and will be delivered everywhere, once, in order) or this throws.
   */
  abstract publish(event: ClusterEvent): void;
  /** Sends to the stream with `audience.identifier`, wherever it is connected; true if it was connected somewhere. */
  abstract sendTo(
    event: ClusterEvent & { readonly audience: { readonly kind: 'identifier'; readonly identifier: string } },
  ): Promise<boolean>;
  /** Identifiers connected anywhere in the cluster (eventually consistent), optionally only those with a prefix. */
  abstract presence(prefix?: string): Promise<string[]>;
  /** A stream with this identifier opened on this node. */
  abstract joined(identifier: string): void;
  /** The stream with this identifier on this node ended (and was not replaced). */
  abstract left(identifier: string): void;
  /**
   * The events addressed to `identifier` after `lastEventId` (broadcasts, matching
   * prefix sends, sends to it), in order; or a gap. Undefined when the backplane
   * keeps no history: the header is then only surfaced as `sse.lastEventId`.
   */
  replay?(identifier: string, lastEventId: string): Promise<ReplayResult>;
}
