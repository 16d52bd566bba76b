import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { chunk, type Frame } from './frame.js';

/** What an outbox reports to its owner. */
export interface OutboxOwner {
  /** The connection passed its buffer bound and must be dropped. */
  onOverflow(): void;
  /** Bytes of event data handed to the socket (for `sentContentLength` and stats). */
  onFlushed(bytes: number, frames: number): void;
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
  readonly #chunked: boolean;
  /** Frames waiting for the next flush; shared Frame objects, never copied. */
  pending: Frame[] = [];
  pendingBytes = 0;
  /** True while registered with the scheduler. */
  scheduled = false;
  closed = false;

  constructor(res: ServerResponse, owner: OutboxOwner, maxBufferedBytes: number, chunked: boolean) {
    this.#res = res;
    this.#owner = owner;
    this.#maxBufferedBytes = maxBufferedBytes;
    this.#chunked = chunked;
  }

  /** Queues a frame; false when the connection is closed. */
  enqueue(frame: Frame): boolean {
    if (this.closed) return false;
    this.pending.push(frame);
    this.pendingBytes += frame.bytes.length;
    return true;
  }

  /** Bytes queued here and in the socket, not yet taken by the kernel. */
  get bufferedBytes(): number {
    const socket = this.#res.socket;
    return this.pendingBytes + (socket ? socket.writableLength : this.#res.writableLength);
  }

  /**
   * Writes what is pending. `joined` is the bytes to write when the caller already
   * built them for an identical list of frames (broadcasts give every connection
   * the same list); returns the bytes written so the caller can share them.
   */
  flush(joined?: Buffer): Buffer | undefined {
    const frames = this.pending;
    if (frames.length === 0 || this.closed) return undefined;
    const bytes = this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
    const socket: Socket | null = this.#res.socket;
    const already = socket ? socket.writableLength : this.#res.writableLength;
    if (already + bytes > this.#maxBufferedBytes) {
      this.#owner.onOverflow();
      return undefined;
    }
    if (socket === null) {
      // Not our turn on the socket yet: node queues res.write output and frames chunks itself.
      this.#res.write(bare(frames, bytes));
      this.#owner.onFlushed(bytes, frames.length);
      return undefined;
    }
    const out = joined ?? this.#join(frames, bytes);
    socket.write(out);
    this.#owner.onFlushed(bytes, frames.length);
    return out;
  }

  /** True when this outbox frames chunks (so joined bytes are only shared among such outboxes). */
  get chunked(): boolean {
    return this.#chunked;
  }

  #join(frames: Frame[], bytes: number): Buffer {
    if (frames.length === 1) return this.#chunked ? frames[0]!.chunked : frames[0]!.bytes;
    const payload = Buffer.allocUnsafe(bytes);
    let offset = 0;
    for (const frame of frames) {
      frame.bytes.copy(payload, offset);
      offset += frame.bytes.length;
    }
    return this.#chunked ? chunk(payload) : payload;
  }
}

function bare(frames: Frame[], bytes: number): Buffer {
  if (frames.length === 1) return frames[0]!.bytes;
  return Buffer.concat(
    frames.map((f) => f.bytes),
    bytes,
  );
}
