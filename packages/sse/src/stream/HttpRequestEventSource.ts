import type { HttpRequest, HttpResponse } from '@sluice/core';
import { encodeEvent, Frame, type EventFields, type WriteTally } from '../frame.js';
import type { AnyEvents, EventMap, EventSourceEndReason, MessageData, SendAllOptions, SendOptions } from '../EventMap.js';
import type { EventSourceConnection } from './EventSourceConnection.js';
import type { PingPolicy } from './PingPolicy.js';

/**
 * One Server-Sent Events connection, from `req.getEventSource(identifier?)`.
 *
 * Nothing is written until the first `send`, ping, `keepAlive()` or `close()`:
 * until then `appendHeader` works and the handler may still return an ordinary
 * response (401, 404...) instead of a stream.
 */
export class HttpRequestEventSource<TEvents extends EventMap = AnyEvents> {
  readonly #connection: EventSourceConnection;

  /** @internal Made by `req.getEventSource()`. */
  constructor(connection: EventSourceConnection) {
    this.#connection = connection;
  }

  /** The identifier given to `getEventSource`, under which the registry finds this stream. */
  get identifier(): string | undefined {
    return this.#connection.identifier;
  }

  /** The request that opened the stream. */
  get request(): HttpRequest {
    return this.#connection.request;
  }

  /** True until the stream is closed (by either side). */
  get isActive(): boolean {
    return this.#connection.state !== 'closed';
  }

  /** True once status and headers were sent. */
  get headSent(): boolean {
    return this.#connection.headSent;
  }

  /** The `Last-Event-ID` header of a reconnecting client: where to resume from. */
  get lastEventId(): string | undefined {
    return this.#connection.request.header('last-event-id');
  }

  /** Bytes of events and pings handed to the connection so far. */
  get sentContentLength(): number {
    return this.#connection.sentContentLength;
  }

  /** Bytes queued for this client and not yet taken by it. */
  get bufferedBytes(): number {
    return this.#connection.bufferedBytes;
  }

  /** Why the stream ended; undefined while it is pending or open. */
  get endReason(): EventSourceEndReason | undefined {
    return this.#connection.endReason;
  }

  /** Adds a response header; only before the head is sent (throws `SLUICE_SSE_HEADERS_SENT` after). */
  appendHeader(name: string, value: string): this {
    this.#connection.appendHeader(name, value);
    return this;
  }

  /**
   * Sends one event: strings as they are, other values as JSON. Synchronous:
   * returns false once the connection is gone; throws at once (writing nothing)
   * on an `event` or `id` holding CR, LF or NUL. A `true` is a promise that the
   * event will be written unless the client goes away or is dropped as too slow.
   */
  send<K extends keyof TEvents & string>(data: TEvents[K], options: SendOptions & { event: K }): boolean;
  send(data: MessageData<TEvents>, options?: SendOptions): boolean;
  send(data: unknown, options?: EventFields): boolean {
    return this.#connection.sendFrame(new Frame(encodeEvent(data, options)));
  }

  /**
   * Sends each item of an iterable or async iterable as an event, at the
   * client's pace: the next item is taken only while less than a high-water
   * mark waits for the client, so a source of any size streams with bounded
   * memory. Stops when the source ends or the client leaves (the iterator is
   * returned); resolves to the number of events written to the connection.
   */
  // The item type is inferred from the source (and checked against the map when it is typed), so an
  // `id` callback sees the real item even on an open map.
  sendAll<K extends keyof TEvents & string, T extends TEvents[K] = TEvents[K]>(
    source: AsyncIterable<T> | Iterable<T>,
    options: SendAllOptions<T> & { event: K },
  ): Promise<number>;
  sendAll<T extends MessageData<TEvents> = MessageData<TEvents>>(
    source: AsyncIterable<T> | Iterable<T>,
    options?: SendAllOptions<T>,
  ): Promise<number>;
  async sendAll(
    source: AsyncIterable<unknown> | Iterable<unknown>,
    options?: SendAllOptions<unknown> & { event?: string },
  ): Promise<number> {
    const connection = this.#connection;
    const idOf = options?.id;
    const fields: EventFields = { event: options?.event, retry: options?.retry, id: typeof idOf === 'function' ? undefined : idOf };
    // Each frame counts itself when it is handed to the connection: the result is what was written.
    const tally: WriteTally = { written: 0 };
    let index = 0;
    for await (const item of source) {
      if (typeof idOf === 'function') fields.id = idOf(item, index);
      if (!connection.sendFrame(new Frame(encodeEvent(item, fields), true, tally))) break;
      index++;
      // Below the high-water mark this is an already-resolved promise; above it, the wait is the pacing.
      await connection.whenWritable();
      if (connection.state !== 'open') break;
    }
    await connection.whenFlushed();
    return tally.written;
  }

  /**
   * Holds the stream open. Resolves (never rejects) when the client disconnects,
   * when `close()` is called, or, with `timeoutMs`, once no message was sent for
   * that long (each send restarts the clock; pings do not count). Resolves with
   * why the stream ended; it is already closed by then, as in Sisk.
   */
  keepAlive(timeoutMs?: number): Promise<EventSourceEndReason> {
    return this.#connection.keepAlive(timeoutMs);
  }

  /** Configures and (with `p.start()`) starts periodic pings. */
  withPing(configure: (ping: PingPolicy) => void): this {
    this.#connection.withPing(configure);
    return this;
  }

  /**
   * Ends the stream (flushing what is queued) and returns the response the
   * handler returns: `return sse.close();`.
   */
  close(): HttpResponse {
    return this.#connection.end('closed');
  }
}
