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
