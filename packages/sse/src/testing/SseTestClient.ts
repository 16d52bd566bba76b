import {
  request as httpRequest,
  type ClientRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
} from 'node:http';
import { EventStreamParser } from './EventStreamParser.js';
import { Inbox, type InboxFailure } from './Inbox.js';
import type { SseEvent } from './SseEvent.js';

/** Where to connect: a started host (anything with a base `url`, such as `HttpHost`), or a base URL. */
export type SseTarget = { readonly url: string } | string | URL;

/** Options of {@link SseTestClient.connect}. */
export interface SseConnectOptions {
  /** Extra request headers. `Accept: text/event-stream` and `Cache-Control: no-cache` are sent unless overridden. */
  headers?: Record<string, string | string[]>;
  /** Sent as `Last-Event-ID`, as a reconnecting browser does; also the ID events carry until the stream sets one. */
  lastEventId?: string;
  /** Default `GET`, or `POST` when there is a body. */
  method?: string;
  /** A string or bytes as is; any other value as JSON (with its content type). */
  body?: string | Uint8Array | object;
  /**
   * Default time limit of this client's waits, ms: for the response head in `connect`,
   * and for `next`, `waitFor` and `nextComment` unless they give their own. Default 2000.
   */
  timeoutMs?: number;
}

/** Options of a single wait. */
export interface SseWaitOptions {
  /** How long to wait, ms; defaults to the client's `timeoutMs`. */
  timeoutMs?: number;
}

/** How a connection ended: the server finished the body, the connection broke, or `close()` was called. */
export type SseClosedBy = 'server' | 'error' | 'client';

const defaultTimeoutMs = 2_000;
const shownEvents = 8;

/**
 * A Server-Sent Events client for tests: it connects over a real socket, parses
 * the stream exactly as a browser's `EventSource` would, keeps every event and
 * comment, and lets a test await the next event or a matching one, with a
 * timeout whose error lists what did arrive.
 *
 * ```ts
 * const client = await SseTestClient.connect(host, '/events/alice');
 * expect(client.status).toBe(200);
 * const hello = await client.next();
 * const chat = await client.waitFor((e) => e.type === 'chat');
 * const resumed = await client.reconnect(); // sends Last-Event-ID
 * resumed.close();
 * ```
 *
 * Unlike a browser, it never reconnects on its own: call {@link reconnect}.
 * An answer other than `200 text/event-stream` (a 401, a 204...) still connects,
 * with its `status`, `headers` and `body` and no events.
 */
export class SseTestClient {
  /** The URL connected to. */
  readonly url: string;
  readonly #options: SseConnectOptions;
  readonly #timeoutMs: number;
  readonly #parser: EventStreamParser;
  readonly #events: Inbox<SseEvent>;
  readonly #comments: Inbox<string>;
  readonly #decoder = new TextDecoder('utf-8');
  readonly #closed: Promise<void>;
  #resolveClosed!: () => void;
  #request: ClientRequest | undefined;
  #response: IncomingMessage | undefined;
  #body = '';
  #closedBy: SseClosedBy | undefined;
  #error: Error | undefined;

  private constructor(url: string, options: SseConnectOptions) {
    this.url = url;
    this.#options = options;
    this.#timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
    const fail = (failure: InboxFailure, wanted: string): Error => this.#waitError(failure, wanted);
    this.#events = new Inbox<SseEvent>(fail);
    this.#comments = new Inbox<string>(fail);
    this.#parser = new EventStreamParser(
      { onEvent: (event) => this.#events.push(event), onComment: (text) => this.#comments.push(text) },
      { lastEventId: options.lastEventId },
    );
    this.#closed = new Promise<void>((resolve) => (this.#resolveClosed = resolve));
  }

  /**
   * Opens a connection to `path` on `target` and resolves once the response head
   * is in (for an answer that is not an event stream, once its whole body is).
   * Rejects when the connection fails or no head comes within `timeoutMs`.
   */
  static async connect(target: SseTarget, path: string, options: SseConnectOptions = {}): Promise<SseTestClient> {
    const client = new SseTestClient(joinUrl(target, path), options);
    await client.#open();
    return client;
  }

  /** The response status. */
  get status(): number {
    return this.#response?.statusCode ?? 0;
  }

  /** The response headers (names lower-case). */
  get headers(): IncomingHttpHeaders {
    return this.#response?.headers ?? {};
  }

  /** True when the answer was `200` with `Content-Type: text/event-stream`, the only answer a browser reads events from. */
  get isEventStream(): boolean {
    const response = this.#response;
    return (
      response !== undefined &&
      response.statusCode === 200 &&
      /^\s*text\/event-stream\s*(;|$)/i.test(response.headers['content-type'] ?? '')
    );
  }

  /** The body received so far as UTF-8 text: the raw event stream, or the body of a non-stream answer (a JSON error...). */
  get body(): string {
    return this.#body;
  }

  /** Every event received so far, in order (taken by `next`/`waitFor` or not). */
  get events(): readonly SseEvent[] {
    return this.#events.items;
  }

  /** Every comment line received so far (pings), one leading space removed: `: ping` gives `ping`. */
  get comments(): readonly string[] {
    return this.#comments.items;
  }

  /** The last event ID: what {@link reconnect} sends as `Last-Event-ID` (`''` for none). */
  get lastEventId(): string {
    return this.#parser.lastEventId;
  }

  /** The reconnection time (ms) the stream last set with `retry:`, or undefined. */
  get retry(): number | undefined {
    return this.#parser.retry;
  }

  /** Resolves when the connection ends, whoever ends it (see {@link closedBy}); never rejects. */
  get closed(): Promise<void> {
    return this.#closed;
  }

  /** Undefined while the connection is open; then who ended it. */
  get closedBy(): SseClosedBy | undefined {
    return this.#closedBy;
  }

  /** The error that broke the connection, when `closedBy` is `'error'`. */
  get error(): Error | undefined {
    return this.#error;
  }

  /** The next event not yet taken by `next` or `waitFor`. */
  next(options?: SseWaitOptions): Promise<SseEvent> {
    return this.#events.take(() => true, this.#timeout(options), 'event');
  }

  /**
   * The next event (not yet taken) that satisfies `predicate`. Events it passes
   * over are taken too: a later `next()` continues after the match.
   */
  waitFor(predicate: (event: SseEvent) => boolean, options?: SseWaitOptions): Promise<SseEvent> {
    return this.#events.take(predicate, this.#timeout(options), `event matching ${describeFunction(predicate)}`);
  }

  /** The next comment line (ping) not yet taken by `nextComment`. */
  nextComment(options?: SseWaitOptions): Promise<string> {
    return this.#comments.take(() => true, this.#timeout(options), 'comment');
  }

  /**
   * Closes this connection (if still open) and opens a new one to the same URL
   * with the same options, sending `Last-Event-ID` with the last event ID seen,
   * as a browser does after a disconnect. `options` override the first ones.
   */
  reconnect(options: SseConnectOptions = {}): Promise<SseTestClient> {
    this.close();
    const lastEventId = options.lastEventId ?? (this.lastEventId === '' ? undefined : this.lastEventId);
    return SseTestClient.connect(this.url, '', { ...this.#options, ...options, lastEventId });
  }

  /** Disconnects from the client side (the server sees the socket close). */
  close(): void {
    if (this.#closedBy !== undefined) return;
    this.#finish('client');
    this.#request?.destroy();
  }

  #open(): Promise<void> {
    const options = this.#options;
    const headers: OutgoingHttpHeaders = { accept: 'text/event-stream', 'cache-control': 'no-cache', ...options.headers };
    if (options.lastEventId !== undefined) headers['last-event-id'] = options.lastEventId;
    let body: Uint8Array | undefined;
    if (typeof options.body === 'string') body = Buffer.from(options.body);
    else if (options.body instanceof Uint8Array) body = options.body;
    else if (options.body !== undefined) {
      body = Buffer.from(JSON.stringify(options.body));
      if (!Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
    }
    const method = options.method ?? (body === undefined ? 'GET' : 'POST');

    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const settle = (error?: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error === undefined) resolve();
        else reject(error);
      };
      const timer = setTimeout(() => {
        const stage = this.#response === undefined ? 'response head' : `end of the ${this.status} answer's body`;
        settle(new Error(`SseTestClient: no ${stage} within ${this.#timeoutMs} ms from ${method} ${this.url}`));
        this.close();
      }, this.#timeoutMs);

      // agent: false gives the connection its own socket, so close() destroys exactly this one.
      const request = httpRequest(this.url, { method, headers, agent: false });
      this.#request = request;
      request.on('error', (error) => {
        this.#finish('error', error);
        // Before the head, connect() fails with it; after, it only ends the connection.
        settle(new Error(`SseTestClient: ${method} ${this.url} failed: ${error.message}`, { cause: error }));
      });
      request.on('response', (response) => {
        this.#response = response;
        const stream = this.isEventStream;
        if (!stream) {
          // A browser reads no events from such an answer: neither do we.
          this.#events.end();
          this.#comments.end();
        }
        response.on('data', (chunk: Buffer) => {
          this.#body += this.#decoder.decode(chunk, { stream: true });
          if (stream && this.#closedBy === undefined) this.#parser.feed(chunk);
        });
        response.on('end', () => this.#finish('server'));
        response.on('error', (error) => this.#finish('error', error));
        response.on('close', () => {
          if (!response.complete) this.#finish('error', new Error('The connection closed before the response was complete'));
        });
        if (stream) settle();
        else void this.#closed.then(() => settle());
      });
      request.end(body);
    });
  }

  // Every way a connection ends comes here once.
  #finish(by: SseClosedBy, error?: Error): void {
    if (this.#closedBy !== undefined) return;
    this.#closedBy = by;
    this.#error = error;
    this.#body += this.#decoder.decode();
    this.#parser.end();
    this.#events.end();
    this.#comments.end();
    this.#resolveClosed();
  }

  #timeout(options: SseWaitOptions | undefined): number {
    return options?.timeoutMs ?? this.#timeoutMs;
  }

  #waitError(failure: InboxFailure, wanted: string): Error {
    const what = failure.kind === 'timeout' ? `no ${wanted} within ${failure.timeoutMs} ms` : `no ${wanted} will come`;
    const error = new Error(`SseTestClient: ${what} from ${this.url}.\nReceived so far: ${this.#summary()}`);
    error.name = failure.kind === 'timeout' ? 'SseTimeoutError' : 'SseStreamEndedError';
    return error;
  }

  #state(): string {
    if (this.#response !== undefined && !this.isEventStream) {
      return `the server answered ${this.status} ${this.headers['content-type'] ?? '(no content type)'}, not an event stream`;
    }
    switch (this.#closedBy) {
      case 'server':
        return 'the server ended the stream';
      case 'client':
        return 'the client closed the connection';
      case 'error':
        return `the connection broke (${this.#error?.message ?? 'unknown error'})`;
      default:
        return 'the stream is open';
    }
  }

  #summary(): string {
    const events = this.#events.items;
    const comments = this.#comments.items;
    const parts: string[] = [];
    if (events.length === 0) parts.push('no events');
    else {
      const from = Math.max(0, events.length - shownEvents);
      // The id persists across events: show it where it changes.
      const shown = events
        .slice(from)
        .map((e, i) => `${e.type} ${JSON.stringify(clip(e.data))}${e.id === (events[from + i - 1]?.id ?? '') ? '' : ` (id ${e.id})`}`);
      const taken = this.#events.consumed;
      parts.push(
        `${events.length} event${events.length === 1 ? '' : 's'} (${taken} already taken)` +
          `: ${events.length > shownEvents ? '..., ' : ''}${shown.join(', ')}`,
      );
    }
    parts.push(comments.length === 0 ? 'no comments' : `${comments.length} comment${comments.length === 1 ? '' : 's'}`);
    if (this.#response !== undefined && !this.isEventStream) parts.push(`body ${JSON.stringify(clip(this.#body, 200))}`);
    return `${parts.join('; ')}; ${this.#state()}.`;
  }
}

function joinUrl(target: SseTarget, path: string): string {
  const base = typeof target === 'string' ? target : target instanceof URL ? target.href : target.url;
  if (path === '') return base;
  return base.replace(/\/+$/, '') + (path.startsWith('/') ? path : `/${path}`);
}

function clip(text: string, max = 60): string {
  return text.length > max ? `${text.slice(0, max)}...` : text;
}

function describeFunction(fn: (...args: never[]) => unknown): string {
  const source = fn.toString().replace(/\s+/g, ' ');
  return source.length > 100 ? `${source.slice(0, 100)}...` : source;
}
