/** What the watch needs from a connection. */
export interface Drainable {
  /** Bytes queued for the client and not taken yet. */
  readonly bufferedBytes: number;
  /** Bytes the client has taken so far. */
  readonly takenBytes: number;
  /** Drops the connection as a slow client. */
  dropSlow(): void;
}

/**
 * Decides which clients are too slow, by progress rather than by a snapshot.
 *
 * A burst (1,000 × 4 KiB broadcast in one tick) puts more than the bound in
 * every connection's buffer at once; dropping on that snapshot would punish the
 * readers that keep up (they empty it in milliseconds). So a connection over
 * `boundBytes` is only watched: it is dropped when it takes no byte for
 * `timeoutMs` while over the bound, or at once past `ceilingBytes`, the hard
 * memory limit. Broadcast bytes are one shared buffer for all connections, so
 * a fast reader's backlog costs references, not copies.
 *
 * One timer for all watched connections, armed only while some are behind.
 */
export class SlowClientWatch {
  readonly #boundBytes: number;
  readonly #ceilingBytes: number;
  readonly #timeoutMs: number;
  readonly #checkMs: number;
  readonly #watched = new Map<Drainable, { taken: number; progressAt: number; threshold: number }>();
  #timer: NodeJS.Timeout | undefined;

  constructor(boundBytes: number, ceilingBytes: number, timeoutMs: number) {
    this.#boundBytes = boundBytes;
    this.#ceilingBytes = ceilingBytes;
    this.#timeoutMs = timeoutMs;
    this.#checkMs = Math.max(10, Math.min(1000, Math.floor(timeoutMs / 4)));
  }

  /**
   * A connection is over the bound after a write, or (with a lower `threshold`)
   * a producer waits for it to drain (`sendAll`): it must make progress until
   * its backlog is back under the threshold.
   */
  behind(connection: Drainable, bufferedBytes: number, threshold = this.#boundBytes): void {
    if (bufferedBytes > this.#ceilingBytes) {
      this.#watched.delete(connection);
      connection.dropSlow();
      return;
    }
    const mark = this.#watched.get(connection);
    if (mark !== undefined) {
      mark.threshold = Math.min(mark.threshold, threshold);
      return;
    }
    this.#watched.set(connection, { taken: connection.takenBytes, progressAt: performance.now(), threshold });
    this.#timer ??= setInterval(this.#check, this.#checkMs).unref();
  }

  /** The connection ended. */
  forget(connection: Drainable): void {
    this.#watched.delete(connection);
    if (this.#watched.size === 0) this.#stop();
  }

  clear(): void {
    this.#watched.clear();
    this.#stop();
  }

  readonly #check = (): void => {
    const now = performance.now();
    for (const [connection, mark] of this.#watched) {
      if (connection.bufferedBytes <= mark.threshold) {
        this.#watched.delete(connection);
        continue;
      }
      const taken = connection.takenBytes;
      if (taken > mark.taken) {
        mark.taken = taken;
        mark.progressAt = now;
      } else if (now - mark.progressAt >= this.#timeoutMs) {
        this.#watched.delete(connection);
        connection.dropSlow();
      }
    }
    if (this.#watched.size === 0) this.#stop();
  };

  #stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
