import type { Frame } from '../frame.js';
import { chunk } from '../frame.js';
import { join, type JournalBatch } from '../delivery/BroadcastJournal.js';
import type { SseTransport } from '../transport/SseTransport.js';

/** What an outbox reports to its owner (the connection). */
export interface OutboxOwner {
  /** Bytes handed to the transport; `messages` counts events only (not pings or `retry:` lines). */
  onFlushed(bytes: number, messages: number): void;
  /** After a write, the transport holds more than the bound: the client must keep draining or be dropped. */
  onBehind(bufferedBytes: number): void;
}

/**
 * One connection's queue of frames. Frames queued within one tick (or one flush
 * window) leave in a single transport write when the shared flush scheduler
 * flushes, merged in sequence order with the broadcast journal.
 */
export class Outbox {
  readonly #transport: SseTransport;
  readonly #owner: OutboxOwner;
  readonly #boundBytes: number;
  /** Journal entries with a sequence number up to this one are not for this connection (broadcast before it opened). */
  #journalFrom: number;
  /** Frames sent to this connection alone (direct sends, pings), with their sequence numbers. */
  #pending: Frame[] = [];
  #pendingSeqs: number[] = [];
  #pendingBytes = 0;
  /** How many of `pending` are messages (not pings or `retry:` lines). */
  #pendingMessages = 0;
  #scheduled = false;
  #closed = false;
  /** Bytes ever handed to the transport: with `bufferedBytes`, tells how much the peer took. */
  #written = 0;

  constructor(transport: SseTransport, owner: OutboxOwner, boundBytes: number, openedSeq: number) {
    this.#transport = transport;
    this.#owner = owner;
    this.#boundBytes = boundBytes;
    this.#journalFrom = openedSeq;
  }

  /** Queues a frame; false when the connection is closed. */
  enqueue(frame: Frame, seq: number): boolean {
    if (this.#closed) return false;
    this.#pending.push(frame);
    this.#pendingSeqs.push(seq);
    this.#pendingBytes += frame.bytes.length;
    if (frame.isMessage) this.#pendingMessages++;
    return true;
  }

  /** True the first time after a flush: the caller registers the outbox with the scheduler then. */
  claimSchedule(): boolean {
    if (this.#scheduled) return false;
    this.#scheduled = true;
    return true;
  }

  /** Frames waiting (the scheduler compares consecutive outboxes' lists to share joined bytes). */
  get pendingFrames(): readonly Frame[] {
    return this.#pending;
  }

  get framing(): 'chunked' | 'raw' {
    return this.#transport.framing;
  }

  /** Bytes queued here and in the transport, not yet taken by the peer. */
  get bufferedBytes(): number {
    return this.#pendingBytes + this.#transport.bufferedBytes;
  }

  /** Bytes the peer has taken so far (progress, for the slow-client decision). */
  get takenBytes(): number {
    return this.#written - this.#transport.bufferedBytes;
  }

  /** Calls `listener` once when the transport can take more. */
  onTransportDrain(listener: () => void): void {
    this.#transport.onDrain(listener);
  }

  /** Skips journal entries up to `seq` (a stream whose replay already delivered them). */
  skipJournalUntil(seq: number): void {
    if (seq > this.#journalFrom) this.#journalFrom = seq;
  }

  /** No more writes; pending frames are dropped. */
  close(): void {
    this.#closed = true;
  }

  /**
   * Writes what is pending, merged in sequence order with the broadcast `journal`
   * when given. `joined` is bytes the caller already built for an identical frame
   * list (consecutive connections usually hold the same frames); returns the
   * bytes written so the caller can share them, or undefined when nothing is shareable.
   */
  flush(joined?: Buffer, journal?: JournalBatch): Buffer | undefined {
    this.#scheduled = false;
    if (this.#closed) return undefined;
    const own = this.#pending;
    const journalUsable = journal !== undefined && journal.frames.length > 0 && journal.seqs[journal.seqs.length - 1]! > this.#journalFrom;
    if (own.length === 0 && !journalUsable) return undefined;
    const framing = this.#transport.framing;
    let frames: readonly Frame[] = own;
    let bytes = this.#pendingBytes;
    let shared: Buffer | undefined = joined;
    if (journalUsable) {
      if (own.length === 0 && journal.seqs[0]! > this.#journalFrom) {
        // The common case: this connection gets exactly the broadcast journal, joined once for all.
        frames = journal.frames;
        bytes = journal.bytes;
        shared = framing === 'chunked' ? journal.chunked() : journal.bare();
      } else {
        frames = merge(own, this.#pendingSeqs, journal, this.#journalFrom);
        bytes = 0;
        for (const frame of frames) bytes += frame.bytes.length;
        shared = undefined;
      }
    }
    // Journal frames are all messages; of our own, pings and `retry:` lines are not.
    const messages = frames.length - (own.length - this.#pendingMessages);
    if (own.length > 0) {
      for (const frame of own) if (frame.tally !== undefined) frame.tally.written++;
      this.#pending = [];
      this.#pendingSeqs = [];
      this.#pendingBytes = 0;
      this.#pendingMessages = 0;
    }
    const out =
      shared ??
      (frames.length === 1 ? (framing === 'chunked' ? frames[0]!.chunked : frames[0]!.bytes) : this.#frame(join(frames, bytes), framing));
    this.#transport.write(out);
    this.#written += out.length;
    this.#owner.onFlushed(bytes, messages);
    const buffered = this.#transport.bufferedBytes;
    if (buffered > this.#boundBytes) this.#owner.onBehind(buffered);
    return journalUsable ? undefined : out;
  }

  #frame(payload: Buffer, framing: 'chunked' | 'raw'): Buffer {
    return framing === 'chunked' ? chunk(payload) : payload;
  }
}

// Both lists are in sequence order; keep journal frames broadcast after the stream's journal cursor.
function merge(own: readonly Frame[], ownSeqs: readonly number[], journal: JournalBatch, journalFrom: number): Frame[] {
  const out: Frame[] = [];
  let i = 0;
  let j = 0;
  while (j < journal.seqs.length && journal.seqs[j]! <= journalFrom) j++;
  while (i < own.length || j < journal.frames.length) {
    if (j >= journal.frames.length || (i < own.length && ownSeqs[i]! < journal.seqs[j]!)) out.push(own[i++]!);
    else out.push(journal.frames[j++]!);
  }
  return out;
}
