import { HttpError, HttpResponse, type HeaderValue, type HttpRequest, type PluginContext } from '@sluice/core';
import type { Logger } from 'pino';
import { FlushScheduler } from './delivery/FlushScheduler.js';
import { PingScheduler } from './delivery/PingScheduler.js';
import { SlowClientWatch } from './delivery/SlowClientWatch.js';
import type { JournalBatch } from './delivery/BroadcastJournal.js';
import { SseErrorCodes, sseError } from './errors.js';
import { encodeEvent, encodeEventText, Frame } from './frame.js';
import type { EventMap, EventSourceEndReason } from './EventMap.js';
import { EventSourceConnection } from './stream/EventSourceConnection.js';
import type { ConnectionSettings, EventSourceHost, HostedConnection } from './stream/EventSourceHost.js';
import { HttpRequestEventSource } from './stream/HttpRequestEventSource.js';
import type { Outbox } from './stream/Outbox.js';
import type { LocalDelivery, StreamIndex } from './registry/StreamIndex.js';
import type { ResolvedSseOptions } from './SsePluginOptions.js';

/**
 * The machinery one host's streams share: the flush, ping and slow-client
 * schedules, limits, counters, and the set of open streams (identified or not).
 * Internal: users see the registry and their event sources. Streams reach it
 * through {@link EventSourceHost}; the registry through {@link LocalDelivery};
 * it reaches the registry through {@link StreamIndex}.
 */
export class EventSourceHub implements EventSourceHost, LocalDelivery {
  readonly settings: ConnectionSettings;
  readonly logger: Logger | undefined;
  readonly #scheduler: FlushScheduler;
  readonly #pings = new PingScheduler();
  readonly #slow: SlowClientWatch;
  readonly #open = new Set<EventSourceConnection>();
  readonly #counters = { slowClientsDropped: 0, messagesSent: 0, bytesSent: 0 };
  /** Orders every frame queued on this host, so broadcasts and direct sends merge in send order. */
  #seq = 0;
  readonly #options: ResolvedSseOptions;
  readonly #applyHostHeaders: PluginContext['applyHostHeaders'];
  readonly #hostStopping: () => boolean;
  readonly #resolveIndex: () => StreamIndex;
  #index: StreamIndex | undefined;
  readonly #opening = new WeakSet<HttpRequest>();
  /** Streams created but not yet open (their head not sent): they count against maxConnections too. */
  #pending = 0;
  #stopping = false;

  constructor(
    options: ResolvedSseOptions,
    context: Pick<PluginContext, 'applyHostHeaders' | 'logger' | 'isStopping'>,
    resolveIndex: () => StreamIndex,
  ) {
    this.#options = options;
    this.#scheduler = new FlushScheduler(options.flushWindowMs, () => this.#indexed().journalTargets());
    this.#slow = new SlowClientWatch(options.maxBufferedBytes, options.maxBacklogBytes, options.slowClientTimeoutMs);
    this.settings = {
      boundBytes: options.maxBufferedBytes,
      highWaterBytes: Math.min(64 * 1024, Math.floor(options.maxBufferedBytes / 2)),
      retry: options.retry,
      pingDefaults: { dataMessage: options.ping.dataMessage, interval: options.ping.interval },
    };
    this.#applyHostHeaders = context.applyHostHeaders;
    this.#hostStopping = context.isStopping;
    this.logger = context.logger;
    this.#resolveIndex = resolveIndex;
  }

  // EventSourceHost: what each stream calls. Kept to field reads and one call each (per-event path).
  nextSeq(): number {
    return ++this.#seq;
  }
  get seq(): number {
    return this.#seq;
  }
  get now(): number {
    return this.#scheduler.now;
  }
  schedule(outbox: Outbox): void {
    this.#scheduler.schedule(outbox);
  }
  pendingJournal(): JournalBatch | undefined {
    return this.#scheduler.pendingJournal();
  }
  startPing(connection: HostedConnection, intervalMs: number): void {
    this.#pings.add(connection, intervalMs);
  }
  stopPing(connection: HostedConnection, intervalMs: number): void {
    this.#pings.remove(connection, intervalMs);
  }
  behind(connection: HostedConnection, bufferedBytes: number, threshold?: number): void {
    this.#slow.behind(connection, bufferedBytes, threshold);
  }
  counted(bytes: number, messages: number): void {
    this.#counters.messagesSent += messages;
    this.#counters.bytesSent += bytes;
  }
  applyHostHeaders(request: HttpRequest, headers: Record<string, HeaderValue>): void {
    this.#applyHostHeaders(request, headers);
  }

  /** A stream sent its head: count it, and index it when identified (replacing an older one). */
  opened(connection: HostedConnection): void {
    const stream = connection as EventSourceConnection;
    this.#pending--;
    this.#open.add(stream);
    if (stream.identifier !== undefined) this.#indexed().add(stream);
    // Created before the host began to stop, opened after its streams were ended: end this one too,
    // or it would hold the stop until the grace period runs out.
    if (this.#stopping) this.#end(stream);
  }

  /** A stream ended, whatever the reason. */
  closed(connection: HostedConnection, wasOpen: boolean, reason: EventSourceEndReason): void {
    const stream = connection as EventSourceConnection;
    if (!wasOpen) {
      // It never opened (an ordinary response instead, HEAD, or the client left first).
      this.#pending--;
      return;
    }
    this.#open.delete(stream);
    this.#slow.forget(stream);
    if (reason === 'slow-client') this.#counters.slowClientsDropped++;
    if (stream.identifier !== undefined) this.#indexed().remove(stream, reason);
  }

  // LocalDelivery: what the registry calls.
  broadcastAll(frame: Frame): void {
    this.#scheduler.broadcast(frame, ++this.#seq);
  }

  figures(): { open: number; queuedBytes: number; slowClientsDropped: number; messagesSent: number; bytesSent: number } {
    let queuedBytes = 0;
    for (const stream of this.#open) queuedBytes += stream.bufferedBytes;
    return { open: this.#open.size, queuedBytes, ...this.#counters };
  }

  /** `req.getEventSource(identifier)`. */
  create<TEvents extends EventMap>(request: HttpRequest, identifier: string | undefined): HttpRequestEventSource<TEvents> {
    if (this.#opening.has(request)) {
      throw sseError(SseErrorCodes.AlreadyOpened, 'getEventSource() was already called for this request; keep the first event source.');
    }
    if (identifier !== undefined && typeof identifier !== 'string') throw new TypeError('An event source identifier must be a string');
    // The host's own flag turns on at the start of stop(), before plugins are told.
    if (this.#stopping || this.#hostStopping()) this.#refuse(request, 'The server is shutting down', SseErrorCodes.ShuttingDown);
    // A stream that takes over an identifier in use replaces its predecessor: the count stays the same.
    if (this.#open.size + this.#pending >= this.#options.maxConnections && (identifier === undefined || !this.#indexed().has(identifier))) {
      this.#refuse(request, 'Too many event streams are open; try again later', SseErrorCodes.TooManyConnections);
    }
    this.#opening.add(request);
    this.#pending++;
    const connection = new EventSourceConnection<HttpRequestEventSource<TEvents>>(
      this,
      request,
      identifier,
      (c) => new HttpRequestEventSource<TEvents>(c as EventSourceConnection),
    );
    if (this.#options.ping.enabled) connection.withPing((ping) => ping.start());
    return connection.source;
  }

  /** Host shutdown: a final event with a jittered `retry` to every stream, then the end of each body. */
  shutdown(): void {
    this.#stopping = true;
    for (const stream of [...this.#open]) this.#end(stream);
    this.#scheduler.flush();
    this.#pings.clear();
    this.#slow.clear();
  }

  // A 503 for clients that read statuses; for a browser's EventSource (which stops for good on
  // anything but 200) a 200 stream with a jittered `retry:` and one event, so it tries again later.
  #refuse(request: HttpRequest, message: string, code: string): never {
    const { mode, event, retry, jitter } = this.#options.refusal;
    const wait = retry + Math.floor(Math.random() * (jitter + 1));
    const asStream = mode === 'event-stream' && acceptsEventStream(request.header('accept'));
    const response = asStream
      ? new HttpResponse(200, `retry: ${wait}\n${encodeEventText({ code, message }, { event })}`, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache, no-transform',
          'x-accel-buffering': 'no',
        })
      : undefined;
    throw new HttpError(503, message, { headers: { 'retry-after': String(Math.ceil(wait / 1000)) }, code, response });
  }

  #indexed(): StreamIndex {
    return (this.#index ??= this.#resolveIndex());
  }

  // The final event with a jittered `retry`, then the end of the body.
  #end(stream: EventSourceConnection): void {
    const { event, data, retry, jitter } = this.#options.shutdown;
    try {
      // Jitter spreads the reconnections of many clients over time (to other nodes, or to us once back).
      const frame = new Frame(encodeEvent(data, { event, retry: retry + Math.floor(Math.random() * (jitter + 1)) }));
      stream.closeWithFinalEvent(frame);
    } catch (error) {
      this.logger?.warn({ err: error }, 'could not end an event stream cleanly');
      stream.drop('shutdown');
    }
  }
}

function acceptsEventStream(accept: string | undefined): boolean {
  return accept !== undefined && accept.toLowerCase().includes('text/event-stream');
}
