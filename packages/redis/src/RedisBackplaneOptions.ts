import type { AnyRedisClient } from './connection/clientTypes.js';
import type { RedisTarget } from './connection/RedisTarget.js';
import { RedisErrorCodes, redisError } from './errors.js';

/** Options of {@link redisBackplane}. */
export interface RedisBackplaneOptions {
  /** Where Redis listens, e.g. `redis://127.0.0.1:6379`. Give this or `client`. */
  url?: string;
  /**
   * A node-redis client you made (connected or not). The backplane sends its
   * commands on it and `duplicate()`s it for subscriptions; it never closes it.
   */
  client?: AnyRedisClient;
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

export function resolveRedisOptions(options: RedisBackplaneOptions | undefined): ResolvedRedisOptions {
  if (options === undefined || typeof options !== 'object') invalid('redisBackplane needs options: { url } or { client }.');
  const { url, client } = options;
  if ((url === undefined) === (client === undefined)) {
    invalid('redisBackplane needs exactly one of `url` (e.g. redis://127.0.0.1:6379) or `client` (a node-redis client).');
  }
  if (url !== undefined && (typeof url !== 'string' || !/^rediss?:\/\//.test(url))) {
    invalid(`redisBackplane: url must start with redis:// or rediss://, got ${JSON.stringify(url)}.`);
  }
  const channelPrefix = options.channelPrefix ?? 'sluice';
  if (typeof channelPrefix !== 'string' || !/^[A-Za-z0-9_.:-]+$/.test(channelPrefix)) {
    invalid(`redisBackplane: channelPrefix must be letters, digits, '_', '.', ':' or '-', got ${JSON.stringify(channelPrefix)}.`);
  }
  return {
    target: url === undefined ? { mode: 'standalone', client: client! } : { mode: 'standalone', url },
    channelPrefix,
    maxLength: integer('history.maxLength', options.history?.maxLength, 1000, 0),
    heartbeatMs: integer('heartbeatMs', options.heartbeatMs, 5000, 50),
    connectTimeoutMs: integer('connectTimeoutMs', options.connectTimeoutMs, 5000, 1),
    outageBuffer: integer('outageBuffer', options.outageBuffer, 10_000, 1),
  };
}
