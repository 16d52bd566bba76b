/** What a {@link RedisConnection} tells the backplane while it runs. */
export interface ConnectionEvents {
  /** Commands can run (again), e.g. after a reconnect: load the scripts, beat, publish what waits. */
  ready(): void;
  /** The subscriptions are back after a reconnect: messages published meanwhile were missed. */
  resubscribed(): void;
  /** The server went away (the connection retries by itself); `error` when a socket failed. */
  lost(error?: Error): void;
}

/**
 * The backplane's way to Redis, whatever its topology. Every key and channel of
 * one `channelPrefix` hashes to one slot (the `{prefix}` tag), so "the server"
 * is the one that serves that slot.
 *
 * - {@link StandaloneConnection}: one server, classic SUBSCRIBE/PUBLISH (Redis 6 works).
 * - {@link ClusterConnection}: a Redis Cluster, commands routed by key slot and
 *   sharded pub/sub (SSUBSCRIBE, SPUBLISH in the scripts).
 */
export interface RedisConnection {
  /**
   * Sharded pub/sub: the scripts publish with SPUBLISH instead of PUBLISH, and
   * channel names must carry the keys' hash tag (SPUBLISH routes a channel like
   * a key, and a script may only touch its own slot).
   */
  readonly sharded: boolean;
  /** Commands can be sent now (false while the server of the slot is away). */
  readonly isReady: boolean;
  /**
   * Connects, and from then on reconnects by itself, reporting to `events`.
   * Resolves once commands can run; may never settle while Redis is down
   * (the caller bounds it, then calls `close()`).
   */
  connect(events: ConnectionEvents): Promise<void>;
  /** Runs a command on the server of `key`'s slot (following the cluster's redirections). */
  command(key: string, args: readonly string[]): Promise<unknown>;
  /** Runs a keyless command (SCRIPT LOAD) on the server of `key`'s slot, and there only. */
  commandOnServerOf(key: string, args: readonly string[]): Promise<unknown>;
  /** Listens to a channel (after `connect`); subscriptions come back by themselves after a reconnect. */
  subscribe(channel: string, listener: (message: string) => void): Promise<void>;
  /**
   * Stops reporting, unsubscribes, closes what it opened (a client or cluster
   * the app passed stays open), and leaves no socket or timer behind. Never rejects.
   */
  close(): Promise<void>;
}
