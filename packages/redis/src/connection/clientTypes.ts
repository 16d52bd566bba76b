import type { RedisClientType } from 'redis';

/** A node-redis v6 client (`createClient`), whatever its modules, scripts and RESP version. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRedisClient = RedisClientType<any, any, any, any, any>;

/** A master as node-redis's cluster client knows it (`cluster.slots[slot].master`). */
export interface RedisClusterMaster {
  readonly address: string;
  readonly host: string;
  readonly port: number;
  /** Its command connection, once made. */
  readonly client?: { readonly isReady: boolean };
  /** Its sharded pub/sub connection, once made. */
  readonly pubSub?: { readonly client: { readonly isReady: boolean } };
}

/**
 * A node-redis v6 Redis Cluster client (`createCluster`), whatever its modules,
 * scripts and RESP version: the members the backplane uses. (node-redis's
 * `RedisClusterType<any, any, any, any, any>` would refuse a cluster made by
 * `createCluster` from `redis`: some of its members take node clients of the
 * exact module type.)
 */
export interface AnyRedisCluster {
  readonly isOpen: boolean;
  readonly isReady: boolean;
  readonly slots: ReadonlyArray<{ readonly master: RedisClusterMaster } | undefined>;
  readonly _options: {
    readonly nodeAddressMap?:
      | { readonly [address: string]: { readonly host: string; readonly port: number } }
      | ((address: string) => { readonly host: string; readonly port: number } | undefined);
  };
  connect(): Promise<unknown>;
  sendCommand(firstKey: string | undefined, isReadonly: boolean | undefined, args: string[]): Promise<unknown>;
  getNodeClientForKey(key: string): Promise<{ sendCommand(args: string[]): Promise<unknown> }>;
  getSlotMaster(slot: number): unknown;
  sSubscribe(channels: string, listener: (message: string, channel: string) => unknown): Promise<void>;
  sUnsubscribe(channels: string, listener?: (message: string, channel: string) => unknown): Promise<void>;
  close(): Promise<void>;
  destroy(): void;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- node-redis types its events loosely
  on(event: string, listener: (...args: any[]) => void): unknown;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- node-redis types its events loosely
  off(event: string, listener: (...args: any[]) => void): unknown;
}

/**
 * Tells a cluster client from a single-server one. By shape rather than with
 * `instanceof`: an app may hold another copy of node-redis than this package.
 * Only a cluster client routes by slot (`getNodeClientForKey`, `getSlotMaster`).
 */
export function isRedisCluster(client: AnyRedisClient | AnyRedisCluster): client is AnyRedisCluster {
  const candidate = client as unknown as Record<string, unknown>;
  return typeof candidate.getNodeClientForKey === 'function' && typeof candidate.getSlotMaster === 'function';
}
