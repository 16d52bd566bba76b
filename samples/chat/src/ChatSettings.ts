/**
 * The chat's limits and timings. Bound in the container as a constant (see
 * `createApp`), so services and controllers get it by injection; tests shrink
 * the numbers to reach the edges quickly.
 */
export class ChatSettings {
  /** Messages kept in memory for catch-up; older ones are forgotten (a ring). */
  historySize = 500;
  /** Messages a newcomer (a connection without `Last-Event-ID`) is shown. */
  backlogSize = 50;
  /** Longest message text, in characters (Unicode code points). */
  maxTextLength = 2_000;
  /** Longest name, in characters (Unicode code points). */
  maxNameLength = 24;
  /** Largest request body, bytes (the core answers 413 past it). */
  maxBodyBytes = 32 * 1024;
  /** How long browsers wait before reconnecting after a dropped stream, ms (sent as `retry:`). */
  retryMs = 1_000;
  /** Interval of the ping comments that keep idle streams (and the proxies on their way) alive, ms. */
  pingIntervalMs = 15_000;
}
