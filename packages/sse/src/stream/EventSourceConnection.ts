import { HttpResponse, type HeaderValue, type HttpRequest, isResponseClosed, type ResponseOwner } from '@sluice/core';
import { validateHeaderName, validateHeaderValue } from 'node:http';
import { SseErrorCodes, sseError } from '../errors.js';
import { encodeComment, encodeRetry, Frame } from '../frame.js';
import type { EventSourceEndReason } from '../EventMap.js';
import { createTransport } from '../transport/createTransport.js';
import type { EventSourceHost, HostedConnection } from './EventSourceHost.js';
import { Outbox, type OutboxOwner } from './Outbox.js';
import type { PingPolicy } from './PingPolicy.js';

type State = 'pending' | 'open' | 'closed';

const resolved = Promise.resolve();

/**
 * One event stream's life behind the user-facing `HttpRequestEventSource`:
 * the head, the outbox over its transport, pings, the idle timer, the end and
 * why. `TSource` is the user-facing object, kept for the registry to hand out.
 */
export class EventSourceConnection<TSource = unknown> implements HostedConnection, OutboxOwner, ResponseOwner {
  readonly identifier: string | undefined;
  readonly request: HttpRequest;
  readonly source: TSource;

  readonly #host: EventSourceHost;
  #state: State = 'pending';
  #outbox: Outbox | undefined;
  #headers: Record<string, string | string[]> | undefined;
  #sentContentLength = 0;
  /** Monotonic ms of the last write of any kind (pings are skipped within an interval of it). */
  lastWriteAt = 0;
  #lastMessageAt = 0;
  #ping: { policy: PingPolicy; interval: number | undefined; message: Frame | undefined; started: boolean } | undefined;
  #closed: Promise<EventSourceEndReason> | undefined;
  #endReason: EventSourceEndReason | undefined;
  #resolveClosed: ((reason: EventSourceEndReason) => void) | undefined;
  #idleTimer: NodeJS.Timeout | undefined;
  #idleTimeoutMs = 0;
  /** True while a replay is written first: broadcasts reach it through its replay, not the journal. */
  #held = false;
  #writableWaiters: Array<() => void> = [];
  #drainArmed = false;
  #flushWaiters: Array<() => void> = [];

  constructor(
    host: EventSourceHost,
    request: HttpRequest,
    identifier: string | undefined,
    makeSource: (connection: EventSourceConnection<TSource>) => TSource,
  ) {
    this.#host = host;
    this.request = request;
    this.identifier = identifier;
    this.source = makeSource(this);
    request.rawResponse.once('close', this.#onResponseClose);
  }

  get state(): State {
    return this.#state;
  }

  get headSent(): boolean {
    return this.#state !== 'pending' || this.request.rawResponse.headersSent;
  }

  get sentContentLength(): number {
    return this.#sentContentLength;
  }

  get bufferedBytes(): number {
    return this.#outbox?.bufferedBytes ?? 0;
  }

  get takenBytes(): number {
    return this.#outbox?.takenBytes ?? 0;
  }

  get endReason(): EventSourceEndReason | undefined {
    return this.#endReason;
  }

  /** The queue the broadcast journal is written through; undefined unless open (and not replaying). */
  get journalOutbox(): Outbox | undefined {
    return this.#state === 'open' && !this.#held ? this.#outbox : undefined;
  }

  appendHeader(name: string, value: string): void {
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
  }

  /** Queues an encoded event (opening the stream first); false once the connection is gone. */
  sendFrame(frame: Frame): boolean {
    if (this.#state !== 'open') {
      if (this.#state === 'closed') return false;
      this.#open();
      if ((this.#state as State) !== 'open') return false;
    }
    return this.#enqueue(frame);
  }

  /** Resolves once less than the high-water mark waits for the client, or the stream ended. */
  whenWritable(): Promise<void> {
    if (this.#state !== 'open' || this.bufferedBytes <= this.#host.settings.highWaterBytes) return resolved;
    return new Promise<void>((resolve) => {
      this.#writableWaiters.push(resolve);
      this.#checkWritable();
    });
  }

  /** Resolves once nothing queued here waits for a flush (or the stream ended). */
  whenFlushed(): Promise<void> {
    if (this.#state !== 'open' || this.#outbox!.pendingFrames.length === 0) return resolved;
    return new Promise<void>((resolve) => this.#flushWaiters.push(resolve));
  }

  keepAlive(timeoutMs: number | undefined): Promise<EventSourceEndReason> {
    if (timeoutMs !== undefined && (!Number.isFinite(timeoutMs) || timeoutMs <= 0)) {
      throw sseError(SseErrorCodes.InvalidOption, `keepAlive timeout must be a positive number of ms, got ${timeoutMs}`);
    }
    if (this.#state === 'pending') this.#open();
    const closed = this.whenClosed();
    if (timeoutMs !== undefined && this.#state === 'open') {
      this.#idleTimeoutMs = timeoutMs;
      this.#lastMessageAt = performance.now();
      if (this.#idleTimer !== undefined) clearTimeout(this.#idleTimer);
      this.#idleTimer = setTimeout(this.#onIdleCheck, timeoutMs);
    }
    return closed;
  }

  withPing(configure: (ping: PingPolicy) => void): void {
    const defaults = this.#host.settings.pingDefaults;
    const ping = {
      policy: undefined as unknown as PingPolicy,
      interval: undefined as number | undefined,
      message: undefined as Frame | undefined,
      started: false,
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
  }

  /** Ends the stream for `reason`, flushing what was queued (and broadcasts not flushed yet) first. */
  end(reason: EventSourceEndReason): HttpResponse {
    if (this.#state === 'pending') this.#open();
    if (this.#state === 'open') {
      // Broadcasts still in the journal were meant for this stream too: write them first.
      this.#outbox!.flush(undefined, this.#held ? undefined : this.#host.pendingJournal());
      this.#finish(reason);
      this.#transportEnd();
    }
    return HttpResponse.hijacked();
  }

  /** Sends a final event, then ends (host shutdown). */
  closeWithFinalEvent(frame: Frame): void {
    if (this.#state === 'open') this.#enqueue(frame);
    this.end('shutdown');
  }

  /** Drops the connection at once, without flushing (slow client, failed shutdown). */
  drop(reason: EventSourceEndReason): void {
    if (this.#state === 'closed') return;
    this.#finish(reason);
    this.request.rawResponse.destroy();
  }

  /** The route's handler threw after the stream opened: flush what it accepted, then end (the error is logged). */
  handlerFailed(): void {
    this.end('closed');
  }

  dropSlow(): void {
    this.drop('slow-client');
  }

  /** True while its replay is being written. */
  get held(): boolean {
    return this.#held;
  }

  /** Hides the stream from broadcasts while its replay is written. */
  hold(): void {
    this.#held = true;
  }

  /** Back to live delivery: journal entries up to `seq` reached it through the replay. */
  release(seq: number): void {
    this.#held = false;
    this.#outbox?.skipJournalUntil(seq);
  }

  // OutboxOwner
  onFlushed(bytes: number, messages: number): void {
    this.#sentContentLength += bytes;
    const now = this.#host.now;
    this.lastWriteAt = now;
    if (messages > 0) this.#lastMessageAt = now;
    this.#host.counted(bytes, messages);
    if (this.#flushWaiters.length > 0) this.#wakeFlushWaiters();
    if (this.#writableWaiters.length > 0) this.#checkWritable();
  }

  onBehind(bufferedBytes: number): void {
    this.#host.behind(this, bufferedBytes);
  }

  /** Sends the ping comment (the ping scheduler calls this). */
  ping(): boolean {
    const ping = this.#ping;
    if (ping === undefined || this.#state === 'closed') return false;
    if (this.#state === 'pending') this.#open();
    ping.message ??= new Frame(encodeComment(ping.policy.dataMessage), false);
    return this.#enqueue(ping.message);
  }

  whenClosed(): Promise<EventSourceEndReason> {
    if (this.#closed === undefined) {
      if (this.#state === 'closed') this.#closed = Promise.resolve(this.#endReason ?? 'closed');
      else this.#closed = new Promise<EventSourceEndReason>((resolve) => (this.#resolveClosed = resolve));
    }
    return this.#closed;
  }

  #enqueue(frame: Frame): boolean {
    const outbox = this.#outbox!;
    if (!outbox.enqueue(frame, this.#host.nextSeq())) return false;
    this.#host.schedule(outbox);
    return true;
  }

  // Writes the head: status 200, the SSE headers, appended ones, host-wide ones (CORS).
  #open(): void {
    const res = this.request.rawResponse;
    // (isResponseClosed, not res.destroyed: an HTTP/2 response has none, and a reset stream takes writes silently.)
    if (res.headersSent || isResponseClosed(res) || res.writableEnded) {
      this.#finish('client');
      return;
    }
    const headers: Record<string, HeaderValue> = {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
    };
    // HTTP/1.0 has no persistent streams by default, and HTTP/2 forbids the header.
    if (this.request.raw.httpVersion === '1.1') headers['connection'] = 'keep-alive';
    if (this.#headers !== undefined) Object.assign(headers, this.#headers);
    this.#host.applyHostHeaders(this.request, headers);
    res.writeHead(200, headers as Record<string, string>);
    if (this.request.method === 'HEAD') {
      // HEAD gets the stream's head and no body: the stream ends at once (it never opens, never
      // enters the registry), so no event bytes can follow the head on a kept-alive connection.
      res.end();
      this.#finish('closed');
      return;
    }
    // HTTP/1.x holds the head until the first write; HTTP/2's writeHead has sent it already.
    if ('flushHeaders' in res) res.flushHeaders();
    // If the handler throws from here on, what it sent still goes out, then the stream ends.
    this.request.takeOverResponse(this);
    this.#state = 'open';
    this.#outbox = new Outbox(createTransport(res), this, this.#host.settings.boundBytes, this.#host.seq);
    this.lastWriteAt = performance.now();
    // `retry:` first, before `registered` listeners (which may send) run.
    const retry = this.#host.settings.retry;
    if (retry !== undefined) this.#enqueue(new Frame(encodeRetry(retry), false));
    this.#host.opened(this);
    if (this.#ping?.started) this.#host.startPing(this, this.#ping.interval!);
  }

  #transportEnd(): void {
    const res = this.request.rawResponse;
    if (!res.writableEnded) res.end();
  }

  #startPing(): void {
    const ping = this.#ping;
    if (ping === undefined || this.#state === 'closed') return;
    const { interval, dataMessage } = ping.policy;
    if (!Number.isFinite(interval) || interval <= 0) {
      throw sseError(SseErrorCodes.InvalidOption, `Ping interval must be a positive number of ms, got ${interval}`);
    }
    if (ping.started && this.#state === 'open') this.#host.stopPing(this, ping.interval!);
    ping.interval = interval;
    ping.message = new Frame(encodeComment(dataMessage), false);
    ping.started = true;
    if (this.#state === 'open') this.#host.startPing(this, interval);
  }

  #stopPing(): void {
    const ping = this.#ping;
    if (ping === undefined || !ping.started) return;
    ping.started = false;
    this.#host.stopPing(this, ping.interval!);
  }

  // Resolves `whenWritable` waiters once the backlog is under the high-water mark: after the next
  // flush while frames are queued here, else when the transport drains.
  readonly #checkWritable = (): void => {
    if (this.#writableWaiters.length === 0) return;
    const outbox = this.#outbox;
    if (this.#state !== 'open' || outbox === undefined || outbox.bufferedBytes <= this.#host.settings.highWaterBytes) {
      const waiters = this.#writableWaiters;
      this.#writableWaiters = [];
      for (const resolve of waiters) resolve();
      return;
    }
    // Frames still queued here: the flush calls back (onFlushed). Else wait for the transport.
    if (outbox.pendingFrames.length > 0 || this.#drainArmed) return;
    this.#drainArmed = true;
    outbox.onTransportDrain(this.#onDrain);
    // A producer waits on this client: it must keep taking bytes, or it is dropped as slow.
    const threshold = this.#host.settings.highWaterBytes;
    this.#host.behind(this, outbox.bufferedBytes, threshold);
  };

  readonly #onDrain = (): void => {
    this.#drainArmed = false;
    this.#checkWritable();
  };

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

  // Every way a stream ends comes here once: free timers, leave the registry, wake keepAlive and sendAll.
  #finish(reason: EventSourceEndReason): void {
    if (this.#state === 'closed') return;
    const wasOpen = this.#state === 'open';
    this.#state = 'closed';
    this.#endReason = reason;
    this.#outbox?.close();
    if (this.#idleTimer !== undefined) clearTimeout(this.#idleTimer);
    this.#stopPing();
    this.request.rawResponse.off('close', this.#onResponseClose);
    this.#host.closed(this, wasOpen, reason);
    this.#resolveClosed?.(reason);
    if (this.#flushWaiters.length > 0) this.#wakeFlushWaiters();
    if (this.#writableWaiters.length > 0) this.#checkWritable();
  }

  #wakeFlushWaiters(): void {
    const waiters = this.#flushWaiters;
    this.#flushWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
