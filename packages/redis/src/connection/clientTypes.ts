import type { RedisClientType } from 'redis';

/** A node-redis v6 client (`createClient`), whatever its modules, scripts and RESP version. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRedisClient = RedisClientType<any, any, any, any, any>;
