/** node-redis `reconnectStrategy` of every connection the backplane makes: 50 ms, doubling, at most 1 s; never gives up. */
export function reconnectDelay(retries: number): number {
  return Math.min(50 * 2 ** retries, 1000);
}
