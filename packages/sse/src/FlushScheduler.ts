import type { Outbox } from './Outbox.js';

/**
 * Flushes every outbox that has frames waiting, once per tick (a `setImmediate`,
 * so everything queued by the current macrotask and its microtasks, and by I/O
 * callbacks of the same loop turn, leaves together) or once per flush window
 * (`flushWindowMs` > 0: a timer, trading up to that much latency for fewer writes
 * when events come one per macrotask).
 *
 * Outboxes are flushed in the order they were first queued. A broadcast queues
 * the same frames into each connection in the same order, so consecutive
 * outboxes usually hold identical frame lists: the bytes joined for one are
 * reused for the next after a cheap identity comparison, so a tick's events are
 * copied once, not once per connection.
 */
export class FlushScheduler {
  readonly #windowMs: number;
  #dirty: Outbox[] = [];
  #armed = false;
  /** Monotonic ms of the last flush; connections read it instead of the clock. */
  now = performance.now();

  constructor(flushWindowMs: number) {
    this.#windowMs = flushWindowMs;
  }

  /** Registers an outbox that just got its first pending frame. */
  schedule(outbox: Outbox): void {
    if (outbox.scheduled) return;
    outbox.scheduled = true;
    this.#dirty.push(outbox);
    if (!this.#armed) {
      this.#armed = true;
      if (this.#windowMs > 0) setTimeout(this.flush, this.#windowMs);
      else setImmediate(this.flush);
    }
  }

  /** Flushes everything pending now. */
  readonly flush = (): void => {
    this.#armed = false;
    const dirty = this.#dirty;
    if (dirty.length === 0) return;
    this.#dirty = [];
    this.now = performance.now();
    let previousFrames: readonly unknown[] | undefined;
    let previousChunked = false;
    let previousBytes: Buffer | undefined;
    for (const outbox of dirty) {
      outbox.scheduled = false;
      const frames = outbox.pending;
      const reuse =
        previousBytes !== undefined && outbox.chunked === previousChunked && sameFrames(frames, previousFrames!)
          ? previousBytes
          : undefined;
      const written = outbox.flush(reuse);
      if (written !== undefined) {
        previousFrames = frames;
        previousChunked = outbox.chunked;
        previousBytes = written;
      }
    }
  };
}

function sameFrames(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
