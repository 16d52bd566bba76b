// An incremental reader of one HTTP/1.1 response carrying an event stream, fed the raw bytes
// of a socket: parses the head, undoes chunked framing, and reports each complete SSE event
// (its type, last event ID, and data when asked). Written for many thousands of connections
// in one process: no per-byte loops, long data lines are skipped unless kept.
export class StreamReader {
  status = 0;
  headDone = false;
  chunked = false;
  ended = false;
  #head = '';
  #chunkLeft = 0;
  #sizeLine = '';
  #afterChunk = 0;
  #text = '';
  #event = '';
  #id = '';
  #data = undefined;

  /**
   * @param onEvent called as onEvent(type, id, data) for each complete event; data is undefined
   *   unless keepData is true.
   */
  constructor(onEvent, { keepData = false } = {}) {
    this.onEvent = onEvent;
    this.keepData = keepData;
  }

  /** Feeds latin1 text from the socket (`socket.setEncoding('latin1')`: bytes 1:1). */
  feed(text) {
    if (!this.headDone) {
      this.#head += text;
      const end = this.#head.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = this.#head.slice(0, end);
      text = this.#head.slice(end + 4);
      this.#head = '';
      this.headDone = true;
      this.status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
      this.chunked = /\r\ntransfer-encoding:[^\r]*chunked/i.test(head);
      this.onHead?.(this.status, head);
    }
    if (this.chunked) this.#dechunk(text);
    else this.#scan(text);
  }

  #dechunk(text) {
    let at = 0;
    while (at < text.length && !this.ended) {
      if (this.#afterChunk > 0) {
        // The CRLF after a chunk's payload.
        const skip = Math.min(this.#afterChunk, text.length - at);
        this.#afterChunk -= skip;
        at += skip;
      } else if (this.#chunkLeft > 0) {
        const take = Math.min(this.#chunkLeft, text.length - at);
        this.#scan(text.slice(at, at + take));
        this.#chunkLeft -= take;
        at += take;
        if (this.#chunkLeft === 0) this.#afterChunk = 2;
      } else {
        const lineEnd = text.indexOf('\r\n', at);
        if (lineEnd < 0) {
          this.#sizeLine += text.slice(at);
          return;
        }
        const size = parseInt(this.#sizeLine + text.slice(at, lineEnd), 16);
        this.#sizeLine = '';
        at = lineEnd + 2;
        if (size === 0) this.ended = true;
        else this.#chunkLeft = size;
      }
    }
  }

  #scan(text) {
    const all = this.#text + text;
    let at = 0;
    for (;;) {
      const lineEnd = all.indexOf('\n', at);
      if (lineEnd < 0) break;
      this.#line(all, at, lineEnd);
      at = lineEnd + 1;
    }
    this.#text = at === 0 ? all : all.slice(at);
  }

  #line(all, start, end) {
    if (start === end) {
      // A blank line dispatches the event (a block of only comments dispatches nothing).
      if (this.#data !== undefined || this.#event !== '') this.onEvent(this.#event || 'message', this.#id, this.#data);
      this.#event = '';
      this.#data = undefined;
      return;
    }
    const first = all.charCodeAt(start);
    if (first === 100 /* d */) {
      if (this.keepData) {
        const value = field(all, start + 5, end);
        this.#data = this.#data === undefined ? value : `${this.#data}\n${value}`;
      } else this.#data ??= '';
    } else if (first === 105 /* i */ && all.startsWith('id:', start)) {
      this.#id = field(all, start + 3, end);
    } else if (first === 101 /* e */ && all.startsWith('event:', start)) {
      this.#event = field(all, start + 6, end);
    }
  }
}

function field(all, from, end) {
  return all.slice(all.charCodeAt(from) === 32 ? from + 1 : from, end);
}
