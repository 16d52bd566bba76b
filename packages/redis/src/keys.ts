/**
 * Key and channel names for one `channelPrefix`. Every key carries the hash tag
 * `{prefix}`, so all of them live in one slot and a script may touch any of
 * them (Redis Cluster included). Classic channels are not keys and need no tag;
 * sharded channels (Redis Cluster: SSUBSCRIBE, SPUBLISH) are routed like keys,
 * so they carry the tag too, which keeps the scripts' SPUBLISH in their slot.
 */
export class Keys {
  /** `{prefix}`: the tagged stem of every key. */
  readonly stem: string;
  /** Hash: epoch, born (ms), offset (the cluster-wide counter), bus (last offset on the bus), n:<node> (last offset on a node's channel), s:<node> (a publisher's last sequence). */
  readonly meta: string;
  /** Hash: bus | id:<identifier> → the last offset evicted from that history stream. */
  readonly trim: string;
  /** Stream: broadcasts and prefix sends, entry ids `<offset>-0`. */
  readonly busStream: string;
  /** Hash: identifier → the node holding it. */
  readonly presence: string;
  /** Sorted set: node → the time (ms, Redis clock) after which it counts as gone. */
  readonly nodes: string;
  /** Channel of broadcasts and prefix sends. */
  readonly busChannel: string;
  /** Channel names of nodes start with this. */
  readonly nodeChannelStem: string;

  /** `sharded`: channels for sharded pub/sub, tagged like the keys. */
  constructor(prefix: string, sharded = false) {
    this.stem = Keys.stemOf(prefix);
    this.meta = `${this.stem}:meta`;
    this.trim = `${this.stem}:trim`;
    this.busStream = `${this.stem}:h:bus`;
    this.presence = `${this.stem}:presence`;
    this.nodes = `${this.stem}:nodes`;
    const channelStem = sharded ? this.stem : prefix;
    this.busChannel = `${channelStem}:bus`;
    this.nodeChannelStem = `${channelStem}:node:`;
  }

  /** `{prefix}`: the hash tag, so also a key of the slot where everything of the prefix lives. */
  static stemOf(prefix: string): string {
    return `{${prefix}}`;
  }

  /** Stream: the sends to one identifier (its replay history). */
  identifierStream(identifier: string): string {
    return `${this.stem}:h:id:${identifier}`;
  }

  /** Stream: what was published on a node's channel (for its gap recovery). */
  nodeStream(node: string): string {
    return `${this.stem}:h:node:${node}`;
  }

  /** Set: the identifiers a node announced. */
  members(node: string): string {
    return `${this.stem}:members:${node}`;
  }

  nodeChannel(node: string): string {
    return `${this.nodeChannelStem}${node}`;
  }
}
