import type { AnyRedisClient, AnyRedisCluster } from './clientTypes.js';

/**
 * Where the backplane's Redis is, as the options named it: one server (a url,
 * or a client the app made) or a Redis Cluster (root node urls, or a cluster
 * client the app made).
 */
export type RedisTarget =
  | { readonly mode: 'standalone'; readonly url: string }
  | { readonly mode: 'standalone'; readonly client: AnyRedisClient }
  | { readonly mode: 'cluster'; readonly rootNodes: readonly string[] }
  | { readonly mode: 'cluster'; readonly cluster: AnyRedisCluster };
