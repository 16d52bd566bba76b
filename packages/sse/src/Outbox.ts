import type { ServerResponse } from 'node:http';
import { chunk, type Frame } from './frame.js';

/** What an outbox reports to its owner. */
export interface OutboxOwner {
  /** The connection passed its buffer bound and must be dropped. */
  onOverflow(): void;
  /** Bytes handed to the socket (for `sentContentLength` and stats); `hadMessage`: not only pings. */
  /** `messages` counts events only (not pings or `retry:` lines). */
  onFlushed(bytes: number, messages: number): void;
}

/** Broadcast frames taken from the journal for one flush, shared by every connection. */
export interface JournalBatch {
  readonly frames: readonly Frame[];
  readonly seqs: readonly number[];
  readonly bytes: number;
  /** The journal's frames joined, built on first use. */
  bare(): Buffer;
  /** The same in one HTTP/1.1 chunk, built on first use. */
  chunked(): Buffer;
}

/**
 * One connection's queue of frames. Frames queued within one tick (or one flush
 * window) leave in a single write when the shared {@link FlushScheduler} flushes.
 *
 * Why it writes to the socket itself: on node:http every `res.write` pays for
 * chunk framing, a header buffer and stream bookkeeping; per event and per client
 * that dominates fan-out. So once the head is on the wire and the response owns
 * the socket, the outbox writes ready-framed bytes (chunk framing included when
 * node chose chunked encoding) with one `socket.write`, and reads backpressure
 * from the socket. Until then (a pipelined request ahead of ours holds the
 * socket) it goes through `res.write`, which node queues in order.
 */
export class Outbox {
  readonly #res: ServerResponse;
  readonly #owner: OutboxOwner;
  readonly #maxBufferedBytes: number;
  /** True when node chose chunked encoding, so we frame chunks ourselves. */
  readonly chunked: boolean;
  /** Sequence number current when the stream opened: earlier broadcasts are not for it. */
  readonly openedSeq: number;
  /** Frames sent to this connection alone (direct sends, pings), with their sequence numbers. */
  pending: Frame[] = [];
  pendingSeqs: number[] = [];
  pendingBytes = 0;
  /** How many of `pending` are messages (not pings or `retry:` lines). */
  pendingMessages = 0;
  /** True while registered with the scheduler. */
  scheduled = false;
  closed = false;

  constructor(res: ServerResponse, owner: OutboxOwner, maxBufferedBytes: number, chunked: boolean, openedSeq: number) {
    this.#res = res;
    this.#owner = owner;
    this.#maxBufferedBytes = maxBufferedBytes;
    this.chunked = chunked;
    this.openedSeq = openedSeq;
  }

  /** Queues a frame; false when the connection is closed. */
  enqueue(frame: Frame, seq: number): boolean {
    if (this.closed) return false;
    this.pending.push(frame);
    this.pendingSeqs.push(seq);
    this.pendingBytes += frame.bytes.length;
    if (frame.isMessage) this.pendingMessages++;
    return true;
  }

  /** Bytes queued here and in the socket, not yet taken by the kernel. */
  get bufferedBytes(): number {
    const socket = this.#res.socket;
    return this.pendingBytes + (socket ? socket.writableLength : this.#res.writableLength);
  }

  /**
   * Writes what is pending, merged in sequence order with the broadcast `journal`
   * when given. `joined` is bytes the caller already built for an identical frame
   * list (consecutive connections usually hold the same frames); returns the
   * bytes written so the caller can share them, or undefined when nothing is shareable.
   */
  flush(joined?: Buffer, journal?: JournalBatch): Buffer | undefined {
    if (this.closed) return undefined;
    const own = this.pending;
    const journalUsable = journal !== undefined && journal.frames.length > 0 && journal.seqs[journal.seqs.length - 1]! > this.openedSeq;
    if (own.length === 0 && !journalUsable) return undefined;
    let frames: readonly Frame[] = own;
    let bytes = this.pendingBytes;
    let shared: Buffer | undefined = joined;
    if (journalUsable) {
      if (own.length === 0 && journal.seqs[0]! > this.openedSeq) {
        // The common case: this connection gets exactly the broadcast journal.
        frames = journal.frames;
        bytes = journal.bytes;
        shared = this.chunked ? journal.chunked() : journal.bare();
      } else {
        frames = merge(own, this.pendingSeqs, journal, this.openedSeq);
        bytes = 0;
        for (const frame of frames) bytes += frame.bytes.length;
        shared = undefined;
      }
    }
    // Journal frames are all messages; of our own, pings and `retry:` lines are not.
    const messages = frames.length - (own.length - this.pendingMessages);
    if (own.length > 0) {
      this.pending = [];
      this.pendingSeqs = [];
      this.pendingBytes = 0;
      this.pendingMessages = 0;
    }
    const socket = this.#res.socket;
    const already = socket ? socket.writableLength : this.#res.writableLength;
    if (already + bytes > this.#maxBufferedBytes) {
      this.#owner.onOverflow();
      return undefined;
    }
    if (socket === null) {
      // Not our turn on the socket yet: node queues res.write output and frames chunks itself.
      this.#res.write(join(frames, bytes));
      this.#owner.onFlushed(bytes, messages);
      return undefined;
    }
    const out = shared ?? (frames.length === 1 ? (this.chunked ? frames[0]!.chunked : frames[0]!.bytes) : this.#frame(join(frames, bytes)));
    socket.write(out);
    this.#owner.onFlushed(bytes, messages);
    return journalUsable ? undefined : out;
  }

  #frame(payload: Buffer): Buffer {
    return this.chunked ? chunk(payload) : payload;
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

// Both lists are in sequence order; keep journal frames broadcast after the stream opened.
function merge(own: readonly Frame[], ownSeqs: readonly number[], journal: JournalBatch, openedSeq: number): Frame[] {
  const out: Frame[] = [];
  let i = 0;
  let j = 0;
  while (j < journal.seqs.length && journal.seqs[j]! <= openedSeq) j++;
  while (i < own.length || j < journal.frames.length) {
    if (j >= journal.frames.length || (i < own.length && ownSeqs[i]! < journal.seqs[j]!)) out.push(own[i++]!);
    else out.push(journal.frames[j++]!);
  }
  return out;
}
