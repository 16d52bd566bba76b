export { redisBackplane } from './redisBackplanePlugin.js';
export type { RedisBackplaneOptions } from './RedisBackplaneOptions.js';
export type { AnyRedisClient, AnyRedisCluster } from './connection/clientTypes.js';
export { RedisErrorCodes } from './errors.js';
