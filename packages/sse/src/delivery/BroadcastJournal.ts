import { chunk, type Frame } from '../frame.js';

/** Broadcast frames taken from the journal for one flush, shared by every connection. */
export interface JournalBatch {
  readonly frames: readonly Frame[];
  /** Each frame's sequence number (the host's order of everything queued). */
  readonly seqs: readonly number[];
  readonly bytes: number;
  /** The frames joined, built on first use. */
  bare(): Buffer;
  /** The same in one HTTP/1.1 chunk, built on first use. */
  chunked(): Buffer;
}

/**
 * The frames broadcast to every identified stream since the last flush, in
 * order, each with its sequence number. A broadcast appends here once, O(1),
 * instead of queuing into thousands of outboxes; at flush time each connection
 * takes the journal (joined once: the same bytes for all) merged with anything
 * it was sent directly. This is what lets a flush window join many events: the
 * producer is no longer slowed by per-connection work for each event.
 */
export class BroadcastJournal {
  #frames: Frame[] = [];
  #seqs: number[] = [];
  #bytes = 0;
  #batch: JournalBatch | undefined;

  append(frame: Frame, seq: number): void {
    this.#frames.push(frame);
    this.#seqs.push(seq);
    this.#bytes += frame.bytes.length;
    this.#batch = undefined;
  }

  get isEmpty(): boolean {
    return this.#frames.length === 0;
  }

  /** A view of the pending entries (for a connection closing before the next flush). */
  batch(): JournalBatch {
    return (this.#batch ??= makeBatch(this.#frames, this.#seqs, this.#bytes));
  }

  /** Hands over the pending entries and starts a new journal. */
  take(): JournalBatch {
    const batch = this.batch();
    this.#frames = [];
    this.#seqs = [];
    this.#bytes = 0;
    this.#batch = undefined;
    return batch;
  }
}

/** Joins frames' bytes into one buffer. */
export function join(frames: readonly Frame[], bytes: number): Buffer {
  if (frames.length === 1) return frames[0]!.bytes;
  const out = Buffer.allocUnsafe(bytes);
  let offset = 0;
  for (const frame of frames) {
    frame.bytes.copy(out, offset);
    offset += frame.bytes.length;
  }
  return out;
}

function makeBatch(frames: Frame[], seqs: number[], bytes: number): JournalBatch {
  let bare: Buffer | undefined;
  let chunked: Buffer | undefined;
  return {
    frames,
    seqs,
    bytes,
    bare: () => (bare ??= join(frames, bytes)),
    chunked: () => (chunked ??= frames.length === 1 ? frames[0]!.chunked : chunk(join(frames, bytes))),
  };
}
