import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import {
  connect,
  constants,
  type ClientHttp2Session,
  type ClientHttp2Stream,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
  type SecureClientSessionOptions,
} from 'node:http2';
import { connect as netConnect, type Socket } from 'node:net';
import { Agent, request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createParser } from 'eventsource-parser';
import { ChangeSignal } from './ChangeSignal.js';

/** A self-signed certificate for `localhost` and `127.0.0.1`, PEM. */
export interface DevCertificate {
  readonly key: Buffer;
  readonly cert: Buffer;
}

let certificate: DevCertificate | undefined;

/**
 * Makes (once per test file) a throwaway self-signed certificate with the
 * `openssl` line the docs give, in a temp dir removed at once.
 */
export function devCertificate(): DevCertificate {
  if (certificate !== undefined) return certificate;
  const dir = mkdtempSync(path.join(tmpdir(), 'sluice-cert-'));
  try {
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '2',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    certificate = { key: readFileSync(key), cert: readFileSync(cert) };
    return certificate;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const openSessions = new Set<H2Client>();

/** Destroys every session the helpers opened (call it in afterEach/afterAll). */
export function closeHttp2Clients(): void {
  for (const client of openSessions) client.session.destroy();
  openSessions.clear();
}

/** One complete HTTP/2 response. */
export interface H2Response {
  readonly status: number;
  /** The response headers as received, pseudo-headers included (`:status`). */
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly text: string;
}

/**
 * One HTTP/2 session (node:http2 client) to a host, h2 or h2c by the URL's
 * scheme; a self-signed certificate is accepted. Records the GOAWAY it gets.
 */
export class H2Client {
  readonly session: ClientHttp2Session;
  /** The GOAWAY error code, once one arrived. */
  goawayCode: number | undefined;
  closed = false;
  readonly #changes = new ChangeSignal();

  private constructor(session: ClientHttp2Session) {
    this.session = session;
    openSessions.add(this);
    session.on('goaway', (code: number) => {
      this.goawayCode = code;
      this.#changes.notify();
    });
    session.on('close', () => {
      this.closed = true;
      openSessions.delete(this);
      this.#changes.notify();
    });
    session.on('error', () => undefined);
  }

  /** Connects and waits for the server's SETTINGS. */
  static async connect(url: string, options: SecureClientSessionOptions = {}): Promise<H2Client> {
    const session = connect(url, { rejectUnauthorized: false, ...options });
    const client = new H2Client(session);
    await new Promise<void>((resolve, reject) => {
      session.once('remoteSettings', () => resolve());
      session.once('error', reject);
    });
    return client;
  }

  /** Resolves true once a GOAWAY arrived, false after `ms`. */
  waitForGoaway(ms: number): Promise<boolean> {
    return this.#changes.until(() => this.goawayCode !== undefined, ms);
  }

  /** Resolves true once the session closed, false after `ms`. */
  waitForClose(ms: number): Promise<boolean> {
    return this.#changes.until(() => this.closed, ms);
  }

  /** One request, its whole answer; rejects when the stream is reset. */
  request(
    pathAndQuery: string,
    options: { method?: string; headers?: OutgoingHttpHeaders; body?: string | Uint8Array } = {},
  ): Promise<H2Response> {
    const stream = this.session.request({ ':method': options.method ?? 'GET', ':path': pathAndQuery, ...options.headers });
    return new Promise((resolve, reject) => {
      let headers: IncomingHttpHeaders = {};
      const chunks: Buffer[] = [];
      stream.on('response', (received) => (headers = received));
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({ status: Number(headers[':status']), headers, body, text: body.toString('utf8') });
      });
      stream.on('error', reject);
      stream.on('close', () => {
        if (stream.rstCode !== constants.NGHTTP2_NO_ERROR && !stream.readableEnded)
          reject(new Error(`stream reset with code ${stream.rstCode}`));
      });
      stream.end(options.body);
    });
  }

  /** Opens an event stream (`GET path`), parsing its events as they come. */
  eventStream(pathAndQuery: string, headers: OutgoingHttpHeaders = {}): H2EventStream {
    return new H2EventStream(this.session.request({ ':method': 'GET', ':path': pathAndQuery, ...headers }));
  }
}

/** One parsed event. */
export interface H2Event {
  readonly event: string;
  readonly data: string;
  readonly id: string | undefined;
}

/** An event stream on one HTTP/2 stream: its head, its events, and how it ended (END_STREAM or a reset). */
export class H2EventStream {
  readonly stream: ClientHttp2Stream;
  headers: IncomingHttpHeaders | undefined;
  readonly events: H2Event[] = [];
  /** True once END_STREAM arrived (the server ended the body cleanly). */
  ended = false;
  /** True once the stream closed, however. */
  closed = false;
  readonly #changes = new ChangeSignal();

  constructor(stream: ClientHttp2Stream) {
    this.stream = stream;
    const parser = createParser({
      onEvent: (message) => {
        this.events.push({ event: message.event ?? 'message', data: message.data, id: message.id });
        this.#changes.notify();
      },
    });
    stream.setEncoding('utf8');
    stream.on('response', (headers) => {
      this.headers = headers;
      this.#changes.notify();
    });
    stream.on('data', (chunk: string) => parser.feed(chunk));
    stream.on('end', () => {
      this.ended = true;
      this.#changes.notify();
    });
    stream.on('close', () => {
      this.closed = true;
      this.#changes.notify();
    });
    stream.on('error', () => undefined);
  }

  get status(): number | undefined {
    return this.headers === undefined ? undefined : Number(this.headers[':status']);
  }

  /** The RST_STREAM code the stream closed with (`NGHTTP2_NO_ERROR`, 0, after a clean end). */
  get rstCode(): number | undefined {
    return this.closed ? this.stream.rstCode : undefined;
  }

  /** Resolves true once `predicate(this)` holds, false after `ms`. */
  waitFor(predicate: (stream: this) => boolean, ms: number): Promise<boolean> {
    return this.#changes.until(() => predicate(this), ms);
  }

  /** Resolves true once the head arrived. */
  opened(ms = 5000): Promise<boolean> {
    return this.waitFor((s) => s.headers !== undefined, ms);
  }

  /** Resets the stream (RST_STREAM CANCEL), as a browser closing an `EventSource` does. */
  reset(code: number = constants.NGHTTP2_CANCEL): void {
    this.stream.close(code);
  }
}

/** Frame types of RFC 9113 §6 the raw client writes or looks for. */
export const FrameType = { Data: 0, Headers: 1, RstStream: 3, Settings: 4, Ping: 6, Goaway: 7, WindowUpdate: 8 } as const;

/**
 * An h2c connection that writes frames byte by byte, for what a well-behaved
 * client never does: floods of RST_STREAM or SETTINGS, oversized SETTINGS, a
 * session that never reads. Records the frames it gets (type, stream, GOAWAY code).
 */
export class RawH2c {
  readonly socket: Socket;
  readonly frames: Array<{ type: number; flags: number; stream: number; payload: Buffer }> = [];
  closed = false;
  #buffer = Buffer.alloc(0);
  readonly #changes = new ChangeSignal();

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => this.#receive(chunk));
    socket.on('close', () => {
      this.closed = true;
      this.#changes.notify();
    });
    socket.on('error', () => undefined);
  }

  /** Connects and sends the preface and an empty SETTINGS frame. */
  static async connect(port: number): Promise<RawH2c> {
    const socket = netConnect({ port, host: '127.0.0.1' });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const raw = new RawH2c(socket);
    openRawSessions.add(raw);
    socket.write('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
    socket.write(RawH2c.frame(FrameType.Settings, 0, 0));
    return raw;
  }

  /** One frame's bytes. */
  static frame(type: number, flags: number, stream: number, payload: Buffer = Buffer.alloc(0)): Buffer {
    const head = Buffer.alloc(9);
    head.writeUIntBE(payload.length, 0, 3);
    head[3] = type;
    head[4] = flags;
    head.writeUInt32BE(stream & 0x7fffffff, 5);
    return Buffer.concat([head, payload]);
  }

  /** A HEADERS frame (END_HEADERS, and END_STREAM) for `GET path`, HPACK-encoded without indexing. */
  static get(stream: number, path: string): Buffer {
    return RawH2c.headers(stream, 'GET', path, true);
  }

  /** A HEADERS frame (END_HEADERS; END_STREAM when `endStream`) for a GET or POST. */
  static headers(stream: number, method: 'GET' | 'POST', path: string, endStream: boolean): Buffer {
    const literal = (index: number, value: string): Buffer => Buffer.concat([Buffer.from([index, value.length]), Buffer.from(value)]);
    // :method GET/POST (static 2/3), :scheme http (static 6), :path and :authority as literals with indexed names.
    const block = Buffer.concat([Buffer.from([method === 'GET' ? 0x82 : 0x83, 0x86]), literal(4, path), literal(1, 'localhost')]);
    return RawH2c.frame(FrameType.Headers, 0x4 | (endStream ? 0x1 : 0), stream, block);
  }

  static rstStream(stream: number, code = constants.NGHTTP2_CANCEL): Buffer {
    const payload = Buffer.alloc(4);
    payload.writeUInt32BE(code);
    return RawH2c.frame(FrameType.RstStream, 0, stream, payload);
  }

  /** A SETTINGS frame with `entries` entries (SETTINGS_ENABLE_PUSH = 0, repeated). */
  static settings(entries: number): Buffer {
    const payload = Buffer.alloc(entries * 6);
    for (let i = 0; i < entries; i++) {
      payload.writeUInt16BE(0x2, i * 6);
      payload.writeUInt32BE(0, i * 6 + 2);
    }
    return RawH2c.frame(FrameType.Settings, 0, 0, payload);
  }

  /** The GOAWAY error code received, if any. */
  get goawayCode(): number | undefined {
    const goaway = this.frames.find((f) => f.type === FrameType.Goaway);
    return goaway === undefined ? undefined : goaway.payload.readUInt32BE(4);
  }

  /** Resolves true once the connection was closed by the server (or a GOAWAY arrived), false after `ms`. */
  waitForEnd(ms: number): Promise<boolean> {
    return this.#changes.until(() => this.closed || this.goawayCode !== undefined, ms);
  }

  #receive(chunk: Buffer): void {
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    while (this.#buffer.length >= 9) {
      const length = this.#buffer.readUIntBE(0, 3);
      if (this.#buffer.length < 9 + length) break;
      this.frames.push({
        type: this.#buffer[3]!,
        flags: this.#buffer[4]!,
        stream: this.#buffer.readUInt32BE(5) & 0x7fffffff,
        payload: this.#buffer.subarray(9, 9 + length),
      });
      this.#buffer = this.#buffer.subarray(9 + length);
    }
    this.#changes.notify();
  }
}

const openRawSessions = new Set<RawH2c>();

/** Destroys every raw h2c connection (call it in afterEach). */
export function destroyRawH2c(): void {
  for (const raw of openRawSessions) raw.socket.destroy();
  openRawSessions.clear();
}

/** An answer over HTTP/1.1 on a TLS port; `body` is the whole body, or its first chunk with `firstChunkOnly`. */
export interface TlsHttp1Response {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** One HTTP/1.1 request over TLS, offering only `http/1.1` by ALPN (a self-signed certificate is accepted). */
export function http1OverTls(url: string, options: { firstChunkOnly?: boolean } = {}): Promise<TlsHttp1Response> {
  const agent = new Agent({ ALPNProtocols: ['http/1.1'], rejectUnauthorized: false, keepAlive: false });
  return new Promise<TlsHttp1Response>((resolve, reject) => {
    const req = httpsRequest(url, { agent }, (res) => {
      let body = '';
      const done = (): void => resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
        if (options.firstChunkOnly) {
          done();
          res.destroy();
        }
      });
      res.on('end', done);
    });
    req.on('error', reject);
    req.end();
  }).finally(() => agent.destroy());
}
