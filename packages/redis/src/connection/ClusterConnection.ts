import { createCluster } from 'redis';
import type { AnyRedisCluster } from './clientTypes.js';
import { hashSlot } from './hashSlot.js';
import { reconnectDelay } from './reconnectDelay.js';
import type { ConnectionEvents, RedisConnection } from './RedisConnection.js';

/** What node-redis's cluster says about a node in its `node-*` events. */
interface NodeInfo {
  readonly host?: string;
  readonly port?: number;
}

type Listener = (message: string) => void;

/**
 * A Redis Cluster, through a node-redis cluster client (the app's, or one made
 * from root node urls). Every key and channel of the prefix lives in one slot,
 * so the backplane only needs the master that serves it: commands are routed by
 * their key (node-redis follows MOVED/ASK), the channels are sharded
 * (SSUBSCRIBE on node-redis's pub/sub connection to that master, SPUBLISH in the
 * scripts), and only that master's connections count for `ready` and `lost`.
 */
export class ClusterConnection implements RedisConnection {
  readonly sharded = true;
  readonly #target: { readonly rootNodes: readonly string[] } | { readonly cluster: AnyRedisCluster };
  readonly #connectTimeoutMs: number;
  readonly #routingKey: string;
  /** The slot of every key and channel of this prefix. */
  readonly #slot: number;
  #cluster: AnyRedisCluster | undefined;
  #ownsCluster = false;
  #events: ConnectionEvents | undefined;
  /** `ready` was reported since the last `lost`. */
  #readyReported = false;
  #closed = false;
  #wake: (() => void) | undefined;
  readonly #subscriptions: Array<{ readonly channel: string; readonly listener: Listener }> = [];
  readonly #detach: Array<() => void> = [];

  constructor(
    target: { readonly rootNodes: readonly string[] } | { readonly cluster: AnyRedisCluster },
    options: { readonly connectTimeoutMs: number; readonly routingKey: string },
  ) {
    this.#target = target;
    this.#connectTimeoutMs = options.connectTimeoutMs;
    this.#routingKey = options.routingKey;
    this.#slot = hashSlot(options.routingKey);
  }

  get isReady(): boolean {
    const cluster = this.#cluster;
    if (cluster === undefined || !cluster.isReady) return false;
    const client = cluster.slots[this.#slot]?.master.client;
    // No client yet: the cluster connects to the master on the next command sent to it.
    return client === undefined || client.isReady;
  }

  async connect(events: ConnectionEvents): Promise<void> {
    this.#events = events;
    let cluster: AnyRedisCluster;
    if ('cluster' in this.#target) {
      cluster = this.#target.cluster;
    } else {
      cluster = this.#create(this.#target.rootNodes);
      this.#ownsCluster = true;
    }
    this.#cluster = cluster;
    this.#listen(cluster, 'node-ready', (node: NodeInfo) => this.#nodeReady(node));
    this.#listen(cluster, 'node-reconnecting', (node: NodeInfo) => this.#nodeLost(node));
    this.#listen(cluster, 'node-disconnect', (node: NodeInfo) => this.#nodeLost(node));
    this.#listen(cluster, 'node-error', (error: Error, node: NodeInfo) => this.#nodeLost(node, error));
    // Topology discovery failed on some node: the cluster tries others, and the commands say whether it matters.
    this.#listen(cluster, 'error', () => undefined);

    await this.#discover(cluster);
    // With minimizeConnections the cluster only learnt the topology: connect to the slot's master now.
    await cluster.getNodeClientForKey(this.#routingKey);
    this.#readyReported = true;
  }

  command(key: string, args: readonly string[]): Promise<unknown> {
    return this.#client().sendCommand(key, false, [...args]);
  }

  async commandOnServerOf(key: string, args: readonly string[]): Promise<unknown> {
    // Not cluster.sendCommand: node-redis sends a keyless SCRIPT LOAD to every node
    // (its request policy is all_nodes), whatever the key, so one master down
    // elsewhere would fail it.
    const client = await this.#client().getNodeClientForKey(key);
    return client.sendCommand([...args]);
  }

  async subscribe(channel: string, listener: Listener): Promise<void> {
    await this.#client().sSubscribe(channel, listener);
    this.#subscriptions.push({ channel, listener });
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#wake?.();
    this.#events = undefined;
    for (const detach of this.#detach.splice(0)) detach();
    const cluster = this.#cluster;
    const graceful = this.isReady;
    const subscriptions = this.#subscriptions.splice(0);
    this.#cluster = undefined;
    if (cluster === undefined) return;
    if (this.#ownsCluster) {
      // Keep an error listener: a late socket error must not crash the process.
      cluster.on('error', () => undefined);
      if (graceful) await settled(cluster.close(), this.#connectTimeoutMs);
      cluster.destroy();
      return;
    }
    // The app's cluster stays open; only this backplane's subscriptions leave it (when the
    // cluster is offline, node-redis queues the SUNSUBSCRIBE: it is not waited for long).
    for (const { channel, listener } of subscriptions) {
      await settled(
        Promise.resolve().then(() => cluster.sUnsubscribe(channel, listener)),
        graceful ? this.#connectTimeoutMs : 0,
      );
    }
  }

  #create(rootNodes: readonly string[]): AnyRedisCluster {
    // rootNodes only serve to discover the topology: the connections to the nodes
    // it finds are made from `defaults`, so what every connection needs
    // (credentials, TLS) goes there, taken from the first url.
    const first = new URL(rootNodes[0]!);
    return createCluster({
      rootNodes: rootNodes.map((url) => ({ url })),
      defaults: {
        ...(first.username === '' ? {} : { username: decodeURIComponent(first.username) }),
        ...(first.password === '' ? {} : { password: decodeURIComponent(first.password) }),
        disableOfflineQueue: true,
        socket: {
          connectTimeout: this.#connectTimeoutMs,
          reconnectStrategy: reconnectDelay,
          ...(first.protocol === 'rediss:' ? { tls: true as const } : {}),
        },
      },
      RESP: 2,
      // Only the master of the prefix's slot is ever used: no connection to the others.
      minimizeConnections: true,
    });
  }

  /** Learns the topology; when no root node answers, tries again (until `close()`). */
  async #discover(cluster: AnyRedisCluster): Promise<void> {
    for (let attempt = 0; !cluster.isReady; attempt++) {
      if (this.#closed) throw new Error('the connection to the redis cluster was closed');
      if (!cluster.isOpen) {
        try {
          await cluster.connect();
          continue;
        } catch (error) {
          if (this.#closed) throw error;
        }
      }
      // No root node answered (or the app's own connect() is under way): wait a little.
      await this.#sleep(reconnectDelay(attempt));
    }
  }

  /** A node-redis event about a node: is it the master of this prefix's slot? */
  #ours(node: NodeInfo): boolean {
    const cluster = this.#cluster;
    const master = cluster?.slots[this.#slot]?.master;
    if (cluster === undefined || master === undefined) return false;
    const map = cluster._options.nodeAddressMap;
    const mapped = typeof map === 'function' ? map(master.address) : map?.[master.address];
    return node.host === (mapped?.host ?? master.host) && node.port === (mapped?.port ?? master.port);
  }

  /**
   * The master's command connection and its pub/sub connection report alike
   * (same host and port), so each event is read against both: `ready` once per
   * outage, when commands can run; `resubscribed` whenever the pub/sub one is up.
   */
  #nodeReady(node: NodeInfo): void {
    const events = this.#events;
    if (events === undefined || !this.#ours(node)) return;
    if (!this.#readyReported && this.isReady) {
      this.#readyReported = true;
      events.ready();
    }
    const pubSub = this.#cluster?.slots[this.#slot]?.master.pubSub?.client;
    if (this.#subscriptions.length > 0 && pubSub?.isReady === true) events.resubscribed();
  }

  #nodeLost(node: NodeInfo, error?: Error): void {
    const events = this.#events;
    if (events === undefined || !this.#ours(node)) return;
    this.#readyReported = false;
    events.lost(error);
  }

  #client(): AnyRedisCluster {
    if (this.#cluster === undefined) throw new Error('not connected to the redis cluster');
    return this.#cluster;
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wake = done;
    });
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- node-redis types its events loosely
  #listen(cluster: AnyRedisCluster, event: string, listener: (...args: any[]) => void): void {
    cluster.on(event, listener);
    this.#detach.push(() => cluster.off(event, listener));
  }
}

/** Waits for `promise` to settle, at most `ms`; never rejects. */
async function settled(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise.catch(() => undefined), new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
