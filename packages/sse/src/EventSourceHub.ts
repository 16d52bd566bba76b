import { HttpError, type HttpRequest, type PluginContext } from '@sluice/core';
import type { Logger } from 'pino';
import { SseErrorCodes, sseError } from './errors.js';
import { FlushScheduler } from './FlushScheduler.js';
import { encodeEvent, Frame } from './frame.js';
import { HttpRequestEventSource, type EventMap } from './HttpRequestEventSource.js';
import { PingScheduler } from './PingScheduler.js';
import type { Outbox } from './Outbox.js';
import type { EventSourceRegistry } from './EventSourceRegistry.js';
import type { ResolvedSseOptions } from './SsePluginOptions.js';

/** Counters behind `registry.stats()`. */
export interface SseCounters {
  slowClientsDropped: number;
  messagesSent: number;
  bytesSent: number;
}

/**
 * The machinery one host's streams share: the flush and ping schedulers, limits,
 * counters, and the set of open streams (identified or not). Internal: users see
 * the {@link EventSourceRegistry} and their event sources.
 */
export class EventSourceHub {
  readonly scheduler: FlushScheduler;
  readonly pings: PingScheduler;
  readonly stats: SseCounters = { slowClientsDropped: 0, messagesSent: 0, bytesSent: 0 };
  readonly open = new Set<HttpRequestEventSource>();
  /** Orders every frame queued on this host, so broadcasts and direct sends merge in send order. */
  seq = 0;
  readonly maxBufferedBytes: number;
  readonly retry: number | undefined;
  readonly pingDefaults: { dataMessage: string; interval: number };
  readonly #options: ResolvedSseOptions;
  readonly #applyHostHeaders: PluginContext['applyHostHeaders'];
  readonly #logger: Logger | undefined;
  #registry: EventSourceRegistry | undefined;
  #opening = new WeakSet<HttpRequest>();
  /** Streams created but not yet open (their head not sent): they count against maxConnections too. */
  #pending = 0;
  #stopping = false;

  constructor(options: ResolvedSseOptions, context: Pick<PluginContext, 'applyHostHeaders' | 'logger'>) {
    this.#options = options;
    this.scheduler = new FlushScheduler(options.flushWindowMs, () => this.#journalTargets());
    this.pings = new PingScheduler();
    this.maxBufferedBytes = options.maxBufferedBytes;
    this.retry = options.retry;
    this.pingDefaults = { dataMessage: options.ping.dataMessage, interval: options.ping.interval };
    this.#applyHostHeaders = context.applyHostHeaders;
    this.#logger = context.logger;
  }

  attach(registry: EventSourceRegistry): void {
    this.#registry = registry;
  }

  /** A broadcast to every identified stream: one journal entry, whatever the number of streams. */
  broadcastAll(frame: Frame): void {
    this.scheduler.journal.append(frame, ++this.seq);
    this.scheduler.scheduleJournal();
  }

  *#journalTargets(): Iterable<Outbox | undefined> {
    for (const source of this.#registry!.values()) yield source.outbox;
  }

  applyHostHeaders(request: HttpRequest, headers: Record<string, string | string[]>): void {
    this.#applyHostHeaders(request, headers);
  }

  /** `req.getEventSource(identifier)`. */
  create<TEvents extends EventMap>(request: HttpRequest, identifier: string | undefined): HttpRequestEventSource<TEvents> {
    if (this.#opening.has(request)) {
      throw sseError(SseErrorCodes.AlreadyOpened, 'getEventSource() was already called for this request; keep the first event source.');
    }
    if (identifier !== undefined && typeof identifier !== 'string') throw new TypeError('An event source identifier must be a string');
    if (this.#stopping)
      throw new HttpError(503, 'The server is shutting down', { headers: { 'retry-after': '5' }, code: SseErrorCodes.ShuttingDown });
    // A stream that takes over an identifier in use replaces its predecessor: the count stays the same.
    if (
      this.open.size + this.#pending >= this.#options.maxConnections &&
      (identifier === undefined || this.#registry!.getByIdentifier(identifier) === undefined)
    ) {
      throw new HttpError(503, 'Too many event streams are open; try again later', {
        headers: { 'retry-after': '5' },
        code: SseErrorCodes.TooManyConnections,
      });
    }
    this.#opening.add(request);
    this.#pending++;
    const source = new HttpRequestEventSource<TEvents>(this, request, identifier);
    if (this.#options.ping.enabled) source.withPing((ping) => ping.start());
    return source;
  }

  /** A stream sent its head: count it, and index it when identified (replacing an older one). */
  opened(source: HttpRequestEventSource): void {
    this.#pending--;
    this.open.add(source);
    if (source.identifier !== undefined) this.#registry!.add(source);
    // Created before the host began to stop, opened after its streams were ended: end this one too,
    // or it would hold the stop until the grace period runs out.
    if (this.#stopping) this.#end(source);
  }

  /** A stream ended, whatever the reason. */
  closed(source: HttpRequestEventSource, wasOpen: boolean): void {
    if (!wasOpen) {
      // It never opened (an ordinary response instead, HEAD, or the client left first).
      this.#pending--;
      return;
    }
    this.open.delete(source);
    if (source.identifier !== undefined) this.#registry!.remove(source);
  }

  /** Host shutdown: a final event with a jittered `retry` to every stream, then the end of each body. */
  shutdown(): void {
    this.#stopping = true;
    for (const source of [...this.open]) this.#end(source);
    this.scheduler.flush();
    this.pings.clear();
  }

  // The final event with a jittered `retry`, then the end of the body.
  #end(source: HttpRequestEventSource): void {
    const { event, data, retry, jitter } = this.#options.shutdown;
    try {
      // Jitter spreads the reconnections of many clients over time (to other nodes, or to us once back).
      const frame = new Frame(encodeEvent(data, { event, retry: retry + Math.floor(Math.random() * (jitter + 1)) }));
      source.closeWithFinalEvent(frame);
    } catch (error) {
      this.#logger?.warn({ err: error }, 'could not end an event stream cleanly');
      source.drop('shutdown');
    }
  }
}
