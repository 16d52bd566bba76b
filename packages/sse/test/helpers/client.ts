import { EventSource, type EventSourceInit } from 'eventsource';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { ChangeSignal } from '../../../../test/support/ChangeSignal.js';

/** One event as the `eventsource` client delivered it. */
export interface ReceivedEvent {
  readonly type: string;
  readonly data: string;
  readonly lastEventId: string;
}

const openClients = new Set<{ close(): void }>();

/** Closes every client the helpers opened (call it in afterEach/afterAll). */
export function closeClients(): void {
  for (const client of openClients) client.close();
  openClients.clear();
}

/**
 * An `eventsource` (the npm package, a spec-following client) connection that
 * records the events of the listed types, the opens and the errors.
 */
export class EventSourceClient {
  readonly source: EventSource;
  readonly events: ReceivedEvent[] = [];
  readonly errors: { code: number | undefined; message: string | undefined }[] = [];
  opens = 0;
  readonly #changes = new ChangeSignal();

  constructor(url: string, types: readonly string[] = ['message'], init?: EventSourceInit) {
    this.source = new EventSource(url, init);
    openClients.add(this);
    for (const type of types) {
      this.source.addEventListener(type, (event: MessageEvent) => {
        this.events.push({ type: event.type, data: String(event.data), lastEventId: event.lastEventId });
        this.#notify();
      });
    }
    this.source.addEventListener('open', () => {
      this.opens++;
      this.#notify();
    });
    this.source.addEventListener('error', (event) => {
      this.errors.push({ code: event.code, message: event.message });
      this.#notify();
    });
  }

  /** The data of the events received so far. */
  get data(): string[] {
    return this.events.map((e) => e.data);
  }

  /** Resolves true once `predicate(this)` holds, false after `ms`. */
  waitFor(predicate: (client: this) => boolean, ms: number): Promise<boolean> {
    return this.#changes.until(() => predicate(this), ms);
  }

  /** Resolves true once `count` events arrived, false after `ms`. */
  waitForEvents(count: number, ms: number): Promise<boolean> {
    return this.waitFor((c) => c.events.length >= count, ms);
  }

  close(): void {
    this.source.close();
    openClients.delete(this);
  }

  #notify(): void {
    this.#changes.notify();
  }
}

/**
 * A streamed response read with `node:http` (dechunked) and parsed with
 * `eventsource-parser`, a spec-exact parser that also reports comments and
 * `retry` fields, which browsers' EventSource hides.
 */
export class ParsedStream {
  readonly events: EventSourceMessage[] = [];
  readonly comments: string[] = [];
  readonly retries: number[] = [];
  readonly parseErrors: Error[] = [];
  status = 0;
  headers: IncomingMessage['headers'] = {};
  ended = false;
  closed = false;
  readonly #changes = new ChangeSignal();
  readonly #request: ReturnType<typeof httpRequest>;

  private constructor(url: string, options: { method?: string; headers?: Record<string, string>; body?: string }, onHead: () => void) {
    const decoder = new TextDecoder('utf-8');
    const parser = createParser({
      onEvent: (event) => this.events.push(event),
      onComment: (comment) => this.comments.push(comment),
      onRetry: (retry) => this.retries.push(retry),
      onError: (error) => this.parseErrors.push(error),
    });
    this.#request = httpRequest(
      url,
      { method: options.method ?? 'GET', headers: { accept: 'text/event-stream', ...options.headers }, agent: false },
      (res) => {
        this.status = res.statusCode ?? 0;
        this.headers = res.headers;
        res.on('data', (chunk: Buffer) => {
          parser.feed(decoder.decode(chunk, { stream: true }));
          this.#notify();
        });
        res.on('end', () => {
          this.ended = true;
          this.#notify();
        });
        res.on('error', () => undefined);
        res.on('close', () => {
          this.closed = true;
          this.#notify();
        });
        onHead();
      },
    );
    this.#request.on('error', () => {
      this.closed = true;
      this.#notify();
    });
    this.#request.end(options.body);
    openClients.add(this);
  }

  /** Opens the stream and resolves once the response head arrived. */
  static open(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<ParsedStream> {
    return new Promise((resolve, reject) => {
      const stream: ParsedStream = new ParsedStream(url, options, () => resolve(stream));
      stream.#request.once('error', reject);
    });
  }

  get data(): string[] {
    return this.events.map((e) => e.data);
  }

  /** Resolves true once `predicate(this)` holds, false after `ms` (or once the stream closed without it holding). */
  waitFor(predicate: (stream: this) => boolean, ms: number): Promise<boolean> {
    return this.#changes.until(
      () => predicate(this),
      ms,
      () => this.closed,
    );
  }

  /** Destroys the connection (the client goes away). */
  close(): void {
    this.#request.destroy();
    openClients.delete(this);
  }

  #notify(): void {
    this.#changes.notify();
  }
}
