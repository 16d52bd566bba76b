/** Default time between pings on a quiet user stream, ms. */
export const defaultPingIntervalMs = 10_000;

/** Default time without a notification after which a user stream ends, ms. */
export const defaultIdleTimeoutMs = 60_000;

/** How user streams behave. `createApp` binds one in the container; tests shorten the times. */
export class StreamSettings {
  /**
   * @param pingIntervalMs time between `: ping` comment lines on a quiet stream
   * @param idleTimeoutMs time without a notification after which the server ends a stream (pings do not count)
   */
  constructor(
    readonly pingIntervalMs: number,
    readonly idleTimeoutMs: number,
  ) {
    for (const [name, value] of Object.entries({ pingIntervalMs, idleTimeoutMs })) {
      if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number of ms, got ${value}`);
    }
  }
}
