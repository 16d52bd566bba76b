export { redisBackplane } from './redisBackplanePlugin.js';
export type { RedisBackplaneOptions, AnyRedisClient } from './RedisBackplaneOptions.js';
export { RedisErrorCodes } from './errors.js';
