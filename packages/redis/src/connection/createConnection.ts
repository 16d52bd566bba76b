import { ClusterConnection } from './ClusterConnection.js';
import type { RedisConnection } from './RedisConnection.js';
import type { RedisTarget } from './RedisTarget.js';
import { StandaloneConnection } from './StandaloneConnection.js';

/** The connection for a target (nothing is opened before `connect()`). `routingKey`: a key of the prefix's slot. */
export function createConnection(
  target: RedisTarget,
  options: { readonly connectTimeoutMs: number; readonly routingKey: string },
): RedisConnection {
  return target.mode === 'cluster' ? new ClusterConnection(target, options) : new StandaloneConnection(target, options);
}
