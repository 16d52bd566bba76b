import { isRedisCluster, type AnyRedisClient, type AnyRedisCluster } from './connection/clientTypes.js';
import type { RedisTarget } from './connection/RedisTarget.js';
import { RedisErrorCodes, redisError } from './errors.js';

/** Options of {@link redisBackplane}. */
export interface RedisBackplaneOptions {
  /** Where Redis listens, e.g. `redis://127.0.0.1:6379`. Give this, `client` or `cluster`. */
  url?: string;
  /**
   * A node-redis client (`createClient`) or Redis Cluster client (`createCluster`)
   * you made, connected or not; never closed by the backplane. A client sends the
   * commands and is `duplicate()`d for subscriptions; a cluster client does both
   * (its sharded subscriptions get their own connection), and the backplane
   * unsubscribes at stop.
   */
  client?: AnyRedisClient | AnyRedisCluster;
  /**
   * A Redis Cluster: urls of some of its nodes (`redis://` or `rediss://`), to
   * discover the others. Credentials and TLS of the first url apply to every node.
   * All keys and channels of one `channelPrefix` live in one hash slot, on one master.
   */
  cluster?: { rootNodes: string[] };
  /** Prefix of every key and channel, so that several apps can share one Redis. Default `sluice`. */
  channelPrefix?: string;
  /** Replay window. `maxLength`: broadcasts kept, and events kept per identifier (default 1000; 0 turns replay off). */
  history?: { maxLength?: number };
  /** How often this node tells Redis it is alive, ms; after 3 missed beats its streams leave presence. Default 5000. */
  heartbeatMs?: number;
  /** How long `start()` waits for Redis before it rejects with `SLUICE_REDIS_UNAVAILABLE`, ms. Default 5000. */
  connectTimeoutMs?: number;
  /** Events held while Redis is unreachable (or not yet confirmed); past it `broadcast` throws. Default 10,000. */
  outageBuffer?: number;
}

export interface ResolvedRedisOptions {
  readonly target: RedisTarget;
  readonly channelPrefix: string;
  readonly maxLength: number;
  readonly heartbeatMs: number;
  readonly connectTimeoutMs: number;
  readonly outageBuffer: number;
}

function invalid(message: string): never {
  throw redisError(RedisErrorCodes.InvalidOption, message);
}

function integer(name: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    invalid(`redisBackplane: ${name} must be an integer of at least ${min}, got ${String(value)}.`);
  }
  return value;
}

function redisUrl(name: string, url: unknown): string {
  if (typeof url !== 'string' || !/^rediss?:\/\//.test(url)) {
    invalid(`redisBackplane: ${name} must start with redis:// or rediss://, got ${JSON.stringify(url)}.`);
  }
  return url;
}

function target(options: RedisBackplaneOptions): RedisTarget {
  const { url, client, cluster } = options;
  if ([url, client, cluster].filter((given) => given !== undefined).length !== 1) {
    invalid(
      'redisBackplane needs exactly one of `url` (e.g. redis://127.0.0.1:6379), `client` (a node-redis client or cluster) ' +
        'or `cluster` ({ rootNodes: [urls] }).',
    );
  }
  if (url !== undefined) return { mode: 'standalone', url: redisUrl('url', url) };
  if (client !== undefined) {
    if (typeof client !== 'object' || client === null || typeof (client as { connect?: unknown }).connect !== 'function') {
      invalid('redisBackplane: client must be a node-redis client (createClient) or cluster (createCluster).');
    }
    return isRedisCluster(client) ? { mode: 'cluster', cluster: client } : { mode: 'standalone', client };
  }
  const rootNodes = (cluster as { rootNodes?: unknown } | null)?.rootNodes;
  if (!Array.isArray(rootNodes) || rootNodes.length === 0) {
    invalid('redisBackplane: cluster.rootNodes must be a non-empty array of urls, e.g. ["redis://10.0.0.1:6379"].');
  }
  return { mode: 'cluster', rootNodes: rootNodes.map((node: unknown, i) => redisUrl(`cluster.rootNodes[${i}]`, node)) };
}

export function resolveRedisOptions(options: RedisBackplaneOptions | undefined): ResolvedRedisOptions {
  if (options === undefined || typeof options !== 'object') invalid('redisBackplane needs options: { url }, { client } or { cluster }.');
  const resolvedTarget = target(options);
  const channelPrefix = options.channelPrefix ?? 'sluice';
  if (typeof channelPrefix !== 'string' || !/^[A-Za-z0-9_.:-]+$/.test(channelPrefix)) {
    invalid(`redisBackplane: channelPrefix must be letters, digits, '_', '.', ':' or '-', got ${JSON.stringify(channelPrefix)}.`);
  }
  return {
    target: resolvedTarget,
    channelPrefix,
    maxLength: integer('history.maxLength', options.history?.maxLength, 1000, 0),
    heartbeatMs: integer('heartbeatMs', options.heartbeatMs, 5000, 50),
    connectTimeoutMs: integer('connectTimeoutMs', options.connectTimeoutMs, 5000, 1),
    outageBuffer: integer('outageBuffer', options.outageBuffer, 10_000, 1),
  };
}
