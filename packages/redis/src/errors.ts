import { SluiceError } from '@sluice/core';

/** Stable codes of the errors `@sluice/redis` throws. */
export const RedisErrorCodes = {
  /**
   * Redis cannot be reached: `start()` gave up after `connectTimeoutMs`, or the
   * outage buffer is full (`broadcast` throws, `sendTo` rejects), or the backplane is stopped.
   */
  Unavailable: 'SLUICE_REDIS_UNAVAILABLE',
  /** A bad `redisBackplane` option. */
  InvalidOption: 'SLUICE_REDIS_INVALID_OPTION',
} as const;

export function redisError(code: string, message: string, cause?: unknown): SluiceError {
  return new SluiceError(code, message, cause === undefined ? undefined : { cause });
}
