import { connect, type Socket } from 'node:net';
import type { HttpHost } from '@sluice/core';
import { ChangeSignal } from './ChangeSignal.js';

/** Every raw socket a test opened, so `destroyRawSockets()` can clean up in afterEach. */
const openSockets = new Set<Socket>();

/** Destroys every raw socket still open (call it in afterEach/afterAll). */
export function destroyRawSockets(): void {
  for (const socket of openSockets) socket.destroy();
  openSockets.clear();
}

/** One HTTP/1.1 response parsed off a raw socket. */
export interface RawResponse {
  readonly status: number;
  /** Header names lower-case; repeated headers joined with `, ` (see `headerList`). */
  readonly headers: Readonly<Record<string, string>>;
  /** Every value of each header, in order. */
  readonly headerList: Readonly<Record<string, readonly string[]>>;
  /** The body as latin1 text (bytes 1:1), decoded from chunked when it was chunked. */
  readonly body: string;
}

/**
 * A client connection over `node:net` that writes whatever bytes a test wants
 * and reads what comes back, for the behaviours `fetch` cannot show: exact
 * bytes on the wire, chunk boundaries, HTTP/1.0, slowloris, garbage, keep-alive,
 * headers-only uploads, disconnects, clients that never read.
 */
export class RawConnection {
  readonly socket: Socket;
  #buffer = '';
  #closed = false;
  #error: Error | undefined;
  readonly #changes = new ChangeSignal();

  private constructor(socket: Socket) {
    this.socket = socket;
    openSockets.add(socket);
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      this.#buffer += chunk;
      this.#notify();
    });
    socket.on('error', (error) => {
      this.#error = error;
    });
    socket.on('close', () => {
      this.#closed = true;
      openSockets.delete(socket);
      this.#notify();
    });
  }

  /** Connects to the host (127.0.0.1, its real port). */
  static open(host: HttpHost | number): Promise<RawConnection> {
    const port = typeof host === 'number' ? host : host.port;
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host: '127.0.0.1' });
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new RawConnection(socket));
      });
      socket.once('error', reject);
    });
  }

  /** Everything received and not yet consumed by `readResponse`. */
  get received(): string {
    return this.#buffer;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The socket error, if any (e.g. ECONNRESET when the server cut us off). */
  get error(): Error | undefined {
    return this.#error;
  }

  /** Writes bytes; errors (the server hung up) are recorded, not thrown. */
  send(data: string | Uint8Array): void {
    if (this.socket.destroyed || !this.socket.writable) return;
    this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  /** Resolves true once `predicate(received)` holds, false after `ms` or once the socket closed without it holding. */
  waitFor(predicate: (received: string) => boolean, ms: number): Promise<boolean> {
    return this.#changes.until(
      () => predicate(this.#buffer),
      ms,
      () => this.#closed,
    );
  }

  /** Resolves true when the server closed the connection within `ms`, else false. */
  async waitForClose(ms: number): Promise<boolean> {
    await this.waitFor(() => false, ms);
    return this.#closed;
  }

  /**
   * Waits for one complete response (head, then Content-Length bytes, a chunked
   * body, or everything up to the close) and consumes it from the buffer.
   * `noBody`: the response to a HEAD request (or a 204/304) has no body whatever it declares.
   */
  async readResponse(ms = 5000, options: { noBody?: boolean } = {}): Promise<RawResponse> {
    let parsed: { response: RawResponse; length: number } | undefined;
    await this.waitFor((text) => {
      parsed = parseResponse(text, this.#closed, options.noBody === true);
      return parsed !== undefined;
    }, ms);
    parsed ??= parseResponse(this.#buffer, this.#closed, options.noBody === true);
    if (parsed === undefined) {
      throw new Error(
        `No complete response within ${ms} ms; received ${JSON.stringify(this.#buffer.slice(0, 500))}${this.#closed ? ' (closed)' : ''}`,
      );
    }
    this.#buffer = this.#buffer.slice(parsed.length);
    return parsed.response;
  }

  destroy(): void {
    this.socket.destroy();
    openSockets.delete(this.socket);
  }

  /** The response head and the raw bytes after it (chunk framing kept), once the head arrived. */
  get stream(): RawStream | undefined {
    return splitHead(this.#buffer);
  }

  /** Waits for the head of a streamed response (fails when none arrives within `ms`). */
  async readHead(ms = 5000): Promise<RawStream> {
    await this.waitFor((text) => splitHead(text) !== undefined, ms);
    const stream = splitHead(this.#buffer);
    if (stream === undefined) throw new Error(`No response head within ${ms} ms; received ${JSON.stringify(this.#buffer.slice(0, 500))}`);
    return stream;
  }

  /** Waits until the (dechunked) body after the head satisfies `predicate`; false after `ms`. */
  waitForBody(predicate: (body: string) => boolean, ms: number): Promise<boolean> {
    return this.waitFor((text) => {
      const stream = splitHead(text);
      return stream !== undefined && predicate(stream.body);
    }, ms);
  }

  #notify(): void {
    this.#changes.notify();
  }
}

/** A response head and what followed it on the socket. */
export interface RawStream {
  readonly statusLine: string;
  readonly status: number;
  /** Header names lower-case; repeated headers joined with `, `. */
  readonly headers: Readonly<Record<string, string>>;
  /** The bytes after the head as latin1 text, chunk framing included when chunked. */
  readonly rest: string;
  readonly chunked: boolean;
  /** Complete chunks' payloads (when chunked), as latin1 text. */
  readonly chunks: readonly string[];
  /** The terminating zero-size chunk arrived. */
  readonly ended: boolean;
  /** The body so far: joined chunk payloads when chunked, else `rest`. Latin1 text; see `utf8`. */
  readonly body: string;
}

/** Splits a response head from the bytes after it; undefined until the head is complete. */
export function splitHead(text: string): RawStream | undefined {
  const headEnd = text.indexOf('\r\n\r\n');
  if (headEnd < 0) return undefined;
  const [statusLine = '', ...lines] = text.slice(0, headEnd).split('\r\n');
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  if (!match) throw new Error(`Not an HTTP response: ${JSON.stringify(statusLine)}`);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  const rest = text.slice(headEnd + 4);
  const chunked = /\bchunked\b/i.test(headers['transfer-encoding'] ?? '');
  const { chunks, ended } = chunked ? parseChunks(rest) : { chunks: [], ended: false };
  return { statusLine, status: Number(match[1]), headers, rest, chunked, chunks, ended, body: chunked ? chunks.join('') : rest };
}

/** Decodes HTTP/1.1 chunked framing: each complete chunk's payload, and whether the last (zero) chunk came. */
export function parseChunks(rest: string): { chunks: string[]; ended: boolean } {
  const chunks: string[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = rest.indexOf('\r\n', at);
    if (lineEnd < 0) return { chunks, ended: false };
    const sizeLine = rest.slice(at, lineEnd);
    if (!/^[0-9a-fA-F]+$/.test(sizeLine)) throw new Error(`Bad chunk size line ${JSON.stringify(sizeLine)}`);
    const size = parseInt(sizeLine, 16);
    if (size === 0) return { chunks, ended: true };
    if (rest.length < lineEnd + 2 + size + 2) return { chunks, ended: false };
    if (rest.slice(lineEnd + 2 + size, lineEnd + 4 + size) !== '\r\n') throw new Error('chunk not followed by CRLF');
    chunks.push(rest.slice(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}

/** Latin1 text (bytes 1:1, as the raw socket reads them) decoded as UTF-8. */
export function utf8(latin1: string): string {
  return Buffer.from(latin1, 'latin1').toString('utf8');
}

/**
 * Opens a raw connection and sends one request for `path` (HTTP/1.1 unless told),
 * leaving the connection open for the test to read the stream.
 */
export async function openRawStream(
  host: HttpHost,
  path: string,
  options: { method?: string; version?: '1.0' | '1.1'; headers?: Record<string, string>; body?: string } = {},
): Promise<RawConnection> {
  const connection = await RawConnection.open(host);
  const headers: Record<string, string> = { host: `127.0.0.1:${host.port}`, accept: 'text/event-stream', ...options.headers };
  if (options.body !== undefined) headers['content-length'] = String(Buffer.byteLength(options.body));
  const head = Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  connection.send(`${options.method ?? 'GET'} ${path} HTTP/${options.version ?? '1.1'}\r\n${head}\r\n${options.body ?? ''}`);
  return connection;
}

function parseResponse(text: string, closed: boolean, noBody: boolean): { response: RawResponse; length: number } | undefined {
  const headEnd = text.indexOf('\r\n\r\n');
  if (headEnd < 0) return undefined;
  const [statusLine = '', ...lines] = text.slice(0, headEnd).split('\r\n');
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  if (!match) throw new Error(`Not an HTTP response: ${JSON.stringify(statusLine)}`);
  const status = Number(match[1]);
  const headerList: Record<string, string[]> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    (headerList[name] ??= []).push(line.slice(colon + 1).trim());
  }
  const headers: Record<string, string> = {};
  for (const [name, values] of Object.entries(headerList)) headers[name] = values.join(', ');
  const bodyStart = headEnd + 4;
  const make = (body: string, length: number) => ({ response: { status, headers, headerList, body }, length });

  if (noBody || status === 204 || status === 304 || (status >= 100 && status < 200)) return make('', bodyStart);
  const contentLength = headers['content-length'];
  if (contentLength !== undefined) {
    const end = bodyStart + Number(contentLength);
    if (text.length < end) return undefined;
    return make(text.slice(bodyStart, end), end);
  }
  if (/\bchunked\b/i.test(headers['transfer-encoding'] ?? '')) {
    let body = '';
    let at = bodyStart;
    for (;;) {
      const lineEnd = text.indexOf('\r\n', at);
      if (lineEnd < 0) return undefined;
      const size = parseInt(text.slice(at, lineEnd), 16);
      if (Number.isNaN(size)) throw new Error(`Bad chunk size line ${JSON.stringify(text.slice(at, lineEnd))}`);
      if (size === 0) {
        const trailerEnd = text.indexOf('\r\n\r\n', lineEnd);
        if (trailerEnd >= 0) return make(body, trailerEnd + 4);
        if (text.startsWith('\r\n', lineEnd + 2)) return make(body, lineEnd + 4);
        return undefined;
      }
      if (text.length < lineEnd + 2 + size + 2) return undefined;
      body += text.slice(lineEnd + 2, lineEnd + 2 + size);
      at = lineEnd + 2 + size + 2;
    }
  }
  // No length: the body runs to the close.
  return closed ? make(text.slice(bodyStart), text.length) : undefined;
}

/**
 * Writes `text` to the host over a fresh `net` socket and collects the whole reply
 * until the server closes the connection, `until(received)` holds, or `timeoutMs` passes.
 * The socket is destroyed before this resolves.
 */
export async function rawRequest(
  host: HttpHost,
  text: string | Uint8Array,
  options: { timeoutMs?: number; until?: (received: string) => boolean } = {},
): Promise<string> {
  const connection = await RawConnection.open(host);
  try {
    connection.send(text);
    await connection.waitFor(options.until ?? (() => false), options.timeoutMs ?? 3000);
    return connection.received;
  } finally {
    connection.destroy();
  }
}
