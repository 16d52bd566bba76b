/**
 * Where one event stream's bytes go once its head is sent: an HTTP/1.1 socket,
 * an HTTP/2 stream. Framing (event → bytes), per-tick coalescing, the shared
 * broadcast journal, the buffer bound, pings and end reasons are written once,
 * above this interface; a transport only moves bytes and reports backpressure.
 * A new transport is one class implementing this, and `createTransport` picking it.
 */
export interface SseTransport {
  /**
   * How the bytes handed to `write` must be framed: `'chunked'` when the
   * transport expects HTTP/1.1 chunks built by the caller (so one shared,
   * pre-framed buffer can go to thousands of sockets), `'raw'` otherwise. May
   * change over a stream's life (an HTTP/1.1 response that did not own its
   * socket yet); read it at each write.
   */
  readonly framing: 'chunked' | 'raw';
  /** Hands bytes (framed as `framing` said) to the connection. */
  write(bytes: Buffer): void;
  /** Bytes handed to `write` that the peer has not taken yet (socket or stream buffers, flow-control windows). */
  readonly bufferedBytes: number;
  /** Calls `listener` once when the buffered bytes fall below the transport's high-water mark (or at once if they are). */
  onDrain(listener: () => void): void;
  /** Ends the body cleanly (the last chunk on HTTP/1.1, END_STREAM on HTTP/2). */
  end(): void;
  /** Drops the connection at once, without flushing. */
  destroy(): void;
}
