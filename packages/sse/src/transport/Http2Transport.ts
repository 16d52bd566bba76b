import type { Http2ServerResponse, ServerHttp2Stream } from 'node:http2';
import type { SseTransport } from './SseTransport.js';

/**
 * An event stream over HTTP/2: DATA frames on the request's own stream. No chunk
 * framing (HTTP/2 frames it), and writes go to the stream, not the session's
 * socket, so flow control applies per stream: a stream whose window is closed
 * keeps its bytes in its own buffer (counted here, bounded by the slow-client
 * rules) while its siblings on the same session keep their rate.
 */
export class Http2Transport implements SseTransport {
  readonly #stream: ServerHttp2Stream;

  constructor(res: Http2ServerResponse) {
    this.#stream = res.stream;
  }

  get framing(): 'raw' {
    return 'raw';
  }

  write(bytes: Buffer): void {
    if (!this.#stream.destroyed && !this.#stream.writableEnded) this.#stream.write(bytes);
  }

  get bufferedBytes(): number {
    return this.#stream.writableLength;
  }

  onDrain(listener: () => void): void {
    if (!this.#stream.writableNeedDrain) {
      setImmediate(listener);
      return;
    }
    this.#stream.once('drain', listener);
  }

  end(): void {
    if (!this.#stream.writableEnded) this.#stream.end();
  }

  destroy(): void {
    this.#stream.destroy();
  }
}
