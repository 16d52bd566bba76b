import type { Frame } from '../frame.js';
import { BroadcastJournal, type JournalBatch } from './BroadcastJournal.js';
import type { Outbox } from '../stream/Outbox.js';

/**
 * Flushes, once per tick (a `setImmediate`: everything queued by the current
 * macrotask, its microtasks and the I/O callbacks of the same loop turn leaves
 * together) or once per flush window (`flushWindowMs` > 0: a timer, trading up
 * to that much latency for fewer writes when events come one per macrotask):
 *
 * 1. the broadcast journal, to every identified stream (merged with what each
 *    was sent directly), the journal's bytes joined once for all;
 * 2. every other outbox with frames waiting, in the order they were first
 *    queued. Consecutive outboxes often hold identical frame lists (a broadcast
 *    to a prefix queues the same frames in the same order), so the bytes
 *    joined for one are reused for the next after an identity comparison.
 */
export class FlushScheduler {
  readonly #journal = new BroadcastJournal();
  readonly #windowMs: number;
  readonly #journalTargets: () => Iterable<Outbox | undefined>;
  #dirty: Outbox[] = [];
  #armed = false;
  /** Monotonic ms of the last flush; connections read it instead of the clock. */
  #now = performance.now();

  constructor(flushWindowMs: number, journalTargets: () => Iterable<Outbox | undefined>) {
    this.#windowMs = flushWindowMs;
    this.#journalTargets = journalTargets;
  }

  get now(): number {
    return this.#now;
  }

  /** Registers an outbox that just got a pending frame. */
  schedule(outbox: Outbox): void {
    if (!outbox.claimSchedule()) return;
    this.#dirty.push(outbox);
    this.#arm();
  }

  /** Appends a broadcast to every identified stream: O(1), whatever their number. */
  broadcast(frame: Frame, seq: number): void {
    this.#journal.append(frame, seq);
    this.#arm();
  }

  /** The journal's entries not flushed yet (a stream closing now writes them first), or undefined. */
  pendingJournal(): JournalBatch | undefined {
    return this.#journal.isEmpty ? undefined : this.#journal.batch();
  }

  #arm(): void {
    if (this.#armed) return;
    this.#armed = true;
    if (this.#windowMs > 0) setTimeout(this.flush, this.#windowMs);
    else setImmediate(this.flush);
  }

  /** Flushes everything pending now. */
  readonly flush = (): void => {
    this.#armed = false;
    this.#now = performance.now();
    if (!this.#journal.isEmpty) {
      const batch = this.#journal.take();
      for (const outbox of this.#journalTargets()) outbox?.flush(undefined, batch);
    }
    const dirty = this.#dirty;
    if (dirty.length === 0) return;
    this.#dirty = [];
    let previousFrames: readonly Frame[] | undefined;
    let previousFraming: string | undefined;
    let previousBytes: Buffer | undefined;
    for (const outbox of dirty) {
      const frames = outbox.pendingFrames;
      const framing = outbox.framing;
      const reuse =
        previousBytes !== undefined && framing === previousFraming && sameFrames(frames, previousFrames!) ? previousBytes : undefined;
      const written = outbox.flush(reuse);
      if (written !== undefined) {
        previousFrames = frames;
        previousFraming = framing;
        previousBytes = written;
      }
    }
  };
}

function sameFrames(a: readonly Frame[], b: readonly Frame[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
