/**
 * How a stream pings: `sse.withPing(p => { p.dataMessage = 'ping'; p.interval = 5_000; p.start(); })`.
 * A ping is an SSE comment line (`: ping`): it keeps proxies and the TCP path
 * alive and reveals a dead client (a failed write closes the stream) without
 * firing the browser's `onmessage`.
 */
export interface PingPolicy {
  /** Text of the comment line. */
  dataMessage: string;
  /** Time between pings, ms. */
  interval: number;
  /** Starts pinging (again, with the current settings). */
  start(): void;
  /** Stops pinging. */
  stop(): void;
}
