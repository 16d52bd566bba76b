import type { AnyRedisClient } from './clientTypes.js';

/** Where the backplane's Redis is, as the options named it: a url, or a client the app made. */
export type RedisTarget =
  { readonly mode: 'standalone'; readonly url: string } | { readonly mode: 'standalone'; readonly client: AnyRedisClient };
