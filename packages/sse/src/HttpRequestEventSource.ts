import { HttpResponse, type HttpRequest } from '@sluice/core';
import { validateHeaderName, validateHeaderValue } from 'node:http';
import { SseErrorCodes, sseError } from './errors.js';
import { encodeComment, encodeEvent, encodeRetry, Frame, type EventFields } from './frame.js';
import { Outbox, type OutboxOwner } from './Outbox.js';
import type { PingPolicy } from './PingPolicy.js';
import type { EventSourceHub } from './EventSourceHub.js';

/**
 * Event names to data types, for typed streams: `req.getEventSource<{ chat: ChatMessage }>()`.
 * Any object type works as a map (an `interface` too); the default is open: any name, any data.
 */
export type EventMap = object;

/** The default, open map. */
export type AnyEvents = Record<string, unknown>;

/** Data of an event without a name (`message`): typed when the map has `message`, free when the map is open. */
type MessageData<TEvents extends EventMap> = 'message' extends keyof TEvents
  ? TEvents['message']
  : string extends keyof TEvents
    ? unknown
    : never;

/** `send` options besides the event name. */
export type SendOptions = Omit<EventFields, 'event'>;

/** `sendAll` options besides the event name: `id` may be computed per item. */
export interface SendAllOptions<T> {
  /** One id for every item, or one per item (`(item, index) => id`; undefined sends none). */
  id?: string | number | ((item: T, index: number) => string | number | undefined);
  retry?: number;
}

type State = 'pending' | 'open' | 'closed';

/**
 * Why a stream ended, as `keepAlive()` resolves and `endReason` tells:
 * - `client`: the client went away (or the connection failed);
 * - `closed`: the application called `close()` (or the registry's `dropAll()`);
 * - `idle`: `keepAlive(timeoutMs)` saw no message for that long;
 * - `replaced`: a newer stream registered the same identifier;
 * - `slow-client`: the client fell more than `maxBufferedBytes` behind;
 * - `shutdown`: the host is stopping.
 */
export type EventSourceEndReason = 'client' | 'closed' | 'idle' | 'replaced' | 'slow-client' | 'shutdown';

/**
 * One Server-Sent Events connection, from `req.getEventSource(identifier?)`.
 *
 * Nothing is written until the first `send`, ping, `keepAlive()` or `close()`:
 * until then `appendHeader` works and the handler may still return an ordinary
 * response (401, 404...) instead of a stream.
 */
export class HttpRequestEventSource<TEvents extends EventMap = AnyEvents> implements OutboxOwner {
  /** The identifier given to `getEventSource`, under which the registry finds this stream. */
  readonly identifier: string | undefined;
  /** The request that opened the stream. */
  readonly request: HttpRequest;

  readonly #hub: EventSourceHub;
  #state: State = 'pending';
  #outbox: Outbox | undefined;
  #headers: Record<string, string | string[]> | undefined;
  #sentContentLength = 0;
  /** Monotonic ms of the last write of any kind (pings are skipped within an interval of it). */
  lastWriteAt = 0;
  #lastMessageAt = 0;
  #ping: { policy: PingPolicy; interval: number | undefined; message: Frame | undefined } | undefined;
  #closed: Promise<EventSourceEndReason> | undefined;
  #endReason: EventSourceEndReason | undefined;
  #resolveClosed: ((reason: EventSourceEndReason) => void) | undefined;
  #idleTimer: NodeJS.Timeout | undefined;
  #idleTimeoutMs = 0;

  /** @internal Made by `req.getEventSource()`. */
  constructor(hub: EventSourceHub, request: HttpRequest, identifier: string | undefined) {
    this.#hub = hub;
    this.request = request;
    this.identifier = identifier;
    request.rawResponse.once('close', this.#onResponseClose);
  }

  /** True until the stream is closed (by either side). */
  get isActive(): boolean {
    return this.#state !== 'closed';
  }

  /** True once status and headers were sent. */
  get headSent(): boolean {
    return this.#state !== 'pending' || this.request.rawResponse.headersSent;
  }

  /** The `Last-Event-ID` header of a reconnecting client: where to resume from. */
  get lastEventId(): string | undefined {
    return this.request.header('last-event-id');
  }

  /** Bytes of events and pings handed to the socket so far. */
  get sentContentLength(): number {
    return this.#sentContentLength;
  }

  /** Bytes queued for this client and not yet taken by the kernel. */
  get bufferedBytes(): number {
    return this.#outbox?.bufferedBytes ?? 0;
  }

  /** Adds a response header; only before the head is sent (throws `SLUICE_SSE_HEADERS_SENT` after). */
  appendHeader(name: string, value: string): this {
    if (this.headSent) {
      throw sseError(
        SseErrorCodes.HeadersSent,
        `Cannot append header ${name}: the stream's head was already sent. Append headers before the first send(), ping or keepAlive().`,
      );
    }
    validateHeaderName(name);
    validateHeaderValue(name, value);
    const headers = (this.#headers ??= {});
    const key = name.toLowerCase();
    const existing = headers[key];
    headers[key] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
    return this;
  }

  /**
   * Sends one event: strings as they are, other values as JSON. Synchronous:
   * returns false once the connection is gone; throws at once (writing nothing)
   * on an `event` or `id` holding CR, LF or NUL.
   */
  send<K extends keyof TEvents & string>(data: TEvents[K], options: SendOptions & { event: K }): boolean;
  send(data: MessageData<TEvents>, options?: SendOptions): boolean;
  send(data: unknown, options?: EventFields): boolean {
    const frame = new Frame(encodeEvent(data, options));
    return this.sendFrame(frame);
  }

  /** @internal Queues an encoded event (broadcasts encode once for all connections). */
  sendFrame(frame: Frame): boolean {
    if (this.#state !== 'open') {
      if (this.#state === 'closed') return false;
      this.#open();
      if ((this.#state as State) !== 'open') return false;
    }
    return this.#enqueue(frame);
  }

  /**
   * Sends each item of an async iterable as an event until it ends or the client
   * goes away; resolves to the number of items sent. With `event`, every item is
   * an event of that name (typed by the event map).
   */
  sendAll<K extends keyof TEvents & string>(
    source: AsyncIterable<TEvents[K]> | Iterable<TEvents[K]>,
    options: SendAllOptions<TEvents[K]> & { event: K },
  ): Promise<number>;
  sendAll(
    source: AsyncIterable<MessageData<TEvents>> | Iterable<MessageData<TEvents>>,
    options?: SendAllOptions<MessageData<TEvents>>,
  ): Promise<number>;
  async sendAll(
    source: AsyncIterable<unknown> | Iterable<unknown>,
    options?: SendAllOptions<unknown> & { event?: string },
  ): Promise<number> {
    const idOf = options?.id;
    const fields: EventFields = { event: options?.event, retry: options?.retry, id: typeof idOf === 'function' ? undefined : idOf };
    let sent = 0;
    for await (const item of source) {
      if (typeof idOf === 'function') fields.id = idOf(item, sent);
      if (!(this.send as (data: unknown, options?: EventFields) => boolean)(item, fields)) break;
      sent++;
    }
    return sent;
  }

  /**
   * Holds the stream open. Resolves (never rejects) when the client disconnects,
   * when `close()` is called, or, with `timeoutMs`, once no message was sent for
   * that long (each send restarts the clock; pings do not count). Resolves with
   * why the stream ended; it is already closed by then, as in Sisk.
   */
  keepAlive(timeoutMs?: number): Promise<EventSourceEndReason> {
    if (timeoutMs !== undefined && (!Number.isFinite(timeoutMs) || timeoutMs <= 0)) {
      throw sseError(SseErrorCodes.InvalidOption, `keepAlive timeout must be a positive number of ms, got ${timeoutMs}`);
    }
    if (this.#state === 'pending') this.#open();
    const closed = this.#whenClosed();
    if (timeoutMs !== undefined && this.#state === 'open') {
      this.#idleTimeoutMs = timeoutMs;
      this.#lastMessageAt = performance.now();
      if (this.#idleTimer !== undefined) clearTimeout(this.#idleTimer);
      this.#idleTimer = setTimeout(this.#onIdleCheck, timeoutMs);
    }
    return closed;
  }

  /** Configures and (with `p.start()`) starts periodic pings. */
  withPing(configure: (ping: PingPolicy) => void): this {
    const defaults = this.#hub.pingDefaults;
    const ping = {
      policy: undefined as unknown as PingPolicy,
      interval: undefined as number | undefined,
      message: undefined as Frame | undefined,
    };
    ping.policy = {
      dataMessage: defaults.dataMessage,
      interval: defaults.interval,
      start: () => this.#startPing(),
      stop: () => this.#stopPing(),
    };
    this.#stopPing();
    this.#ping = ping;
    configure(ping.policy);
    return this;
  }

  /**
   * Ends the stream (flushing what is queued) and returns the response the
   * handler returns: `return sse.close();`.
   */
  close(): HttpResponse {
    return this.end('closed');
  }

  /** Why the stream ended; undefined while it is pending or open. */
  get endReason(): EventSourceEndReason | undefined {
    return this.#endReason;
  }

  /** @internal `close()` with the reason the stream ends for (registry replacement, shutdown, idle). */
  end(reason: EventSourceEndReason): HttpResponse {
    if (this.#state === 'pending') this.#open();
    if (this.#state === 'open') {
      // Broadcasts still in the journal were meant for this stream too: write them first.
      const journal = this.#hub.scheduler.journal;
      this.#outbox!.flush(undefined, journal.isEmpty ? undefined : journal.batch());
      this.#finish(reason);
      const res = this.request.rawResponse;
      if (!res.writableEnded) res.end();
    }
    return HttpResponse.hijacked();
  }

  /** @internal Sends a final event then closes (host shutdown). */
  closeWithFinalEvent(frame: Frame): void {
    if (this.#state === 'open') this.#enqueue(frame);
    this.end('shutdown');
  }

  /** @internal Drops the connection at once, without flushing (slow client, failed shutdown). */
  drop(reason: EventSourceEndReason): void {
    if (this.#state === 'closed') return;
    this.#finish(reason);
    this.request.rawResponse.destroy();
  }

  // OutboxOwner
  /** @internal */
  onOverflow(): void {
    this.#hub.stats.slowClientsDropped++;
    this.drop('slow-client');
  }

  /** @internal */
  onFlushed(bytes: number, messages: number): void {
    this.#sentContentLength += bytes;
    const now = this.#hub.scheduler.now;
    this.lastWriteAt = now;
    if (messages > 0) this.#lastMessageAt = now;
    const stats = this.#hub.stats;
    stats.messagesSent += messages;
    stats.bytesSent += bytes;
  }

  /** @internal Sends the ping comment (the ping scheduler calls this). */
  ping(): boolean {
    const ping = this.#ping;
    if (ping === undefined || this.#state === 'closed') return false;
    if (this.#state === 'pending') this.#open();
    ping.message ??= new Frame(encodeComment(ping.policy.dataMessage), false);
    return this.#enqueue(ping.message);
  }

  /** @internal The connection's queue once open (the flush scheduler writes the broadcast journal through it). */
  get outbox(): Outbox | undefined {
    return this.#state === 'open' ? this.#outbox : undefined;
  }

  #enqueue(frame: Frame): boolean {
    const outbox = this.#outbox!;
    if (!outbox.enqueue(frame, ++this.#hub.seq)) return false;
    this.#hub.scheduler.schedule(outbox);
    return true;
  }

  // Writes the head: status 200, the SSE headers, appended ones, host-wide ones (CORS).
  #open(): void {
    const res = this.request.rawResponse;
    if (res.headersSent || res.destroyed || res.writableEnded) {
      this.#finish('client');
      return;
    }
    const headers: Record<string, string | string[]> = {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
    };
    // HTTP/1.0 has no persistent streams by default, and HTTP/2 forbids the header.
    if (this.request.raw.httpVersion === '1.1') headers['connection'] = 'keep-alive';
    if (this.#headers !== undefined) Object.assign(headers, this.#headers);
    this.#hub.applyHostHeaders(this.request, headers);
    res.writeHead(200, headers);
    if (this.request.method === 'HEAD') {
      // HEAD gets the stream's head and no body: the stream ends at once (it never opens, never
      // enters the registry), so no event bytes can follow the head on a kept-alive connection.
      res.end();
      this.#finish('closed');
      return;
    }
    res.flushHeaders();
    // Nagle would hold small events back waiting for ACKs; latency matters more here.
    res.socket?.setNoDelay(true);
    this.#state = 'open';
    this.#outbox = new Outbox(res, this, this.#hub.maxBufferedBytes, res.chunkedEncoding, this.#hub.seq);
    this.lastWriteAt = performance.now();
    // `retry:` first, before `registered` listeners (which may send) run.
    if (this.#hub.retry !== undefined) this.#enqueue(new Frame(encodeRetry(this.#hub.retry), false));
    this.#hub.opened(this.#untyped());
    if (this.#ping !== undefined && this.#pingStarted) this.#hub.pings.add(this, this.#ping.interval!);
  }

  #pingStarted = false;

  #startPing(): void {
    const ping = this.#ping;
    if (ping === undefined || this.#state === 'closed') return;
    const { interval, dataMessage } = ping.policy;
    if (!Number.isFinite(interval) || interval <= 0) {
      throw sseError(SseErrorCodes.InvalidOption, `Ping interval must be a positive number of ms, got ${interval}`);
    }
    if (this.#pingStarted) this.#hub.pings.remove(this, ping.interval!);
    ping.interval = interval;
    ping.message = new Frame(encodeComment(dataMessage), false);
    this.#pingStarted = true;
    if (this.#state === 'open') this.#hub.pings.add(this, interval);
  }

  #stopPing(): void {
    const ping = this.#ping;
    if (ping === undefined || !this.#pingStarted) return;
    this.#pingStarted = false;
    this.#hub.pings.remove(this, ping.interval!);
  }

  // The registry holds streams of every event map; the map only types `send` for users.
  #untyped(): HttpRequestEventSource {
    return this as unknown as HttpRequestEventSource;
  }

  #whenClosed(): Promise<EventSourceEndReason> {
    if (this.#closed === undefined) {
      if (this.#state === 'closed') this.#closed = Promise.resolve(this.#endReason ?? 'closed');
      else this.#closed = new Promise<EventSourceEndReason>((resolve) => (this.#resolveClosed = resolve));
    }
    return this.#closed;
  }

  readonly #onIdleCheck = (): void => {
    this.#idleTimer = undefined;
    if (this.#state !== 'open') return;
    const remaining = this.#lastMessageAt + this.#idleTimeoutMs - performance.now();
    if (remaining > 1) {
      this.#idleTimer = setTimeout(this.#onIdleCheck, remaining);
      return;
    }
    this.end('idle');
  };

  readonly #onResponseClose = (): void => {
    this.#finish('client');
  };

  // Every way a stream ends comes here once: free timers, leave the registry, wake keepAlive.
  #finish(reason: EventSourceEndReason): void {
    if (this.#state === 'closed') return;
    const wasOpen = this.#state === 'open';
    this.#state = 'closed';
    this.#endReason = reason;
    if (this.#outbox !== undefined) this.#outbox.closed = true;
    if (this.#idleTimer !== undefined) clearTimeout(this.#idleTimer);
    this.#stopPing();
    this.request.rawResponse.off('close', this.#onResponseClose);
    this.#hub.closed(this.#untyped(), wasOpen);
    this.#resolveClosed?.(reason);
  }
}
