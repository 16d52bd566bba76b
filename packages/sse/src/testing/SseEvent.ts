/**
 * One event as a browser's `EventSource` would dispatch it: `type` is the
 * `event:` field (`message` when absent), `data` the `data:` lines joined with
 * LF, `id` the last event ID in effect when it was dispatched (the stream's most
 * recent `id:`, which persists across events; `''` before any).
 */
export class SseEvent {
  /** The event type: `addEventListener(type)` on a browser. */
  readonly type: string;
  /** The data lines joined with LF (no trailing LF). */
  readonly data: string;
  /** The last event ID in effect: what a reconnecting client sends as `Last-Event-ID`. */
  readonly id: string;
  /** The `retry:` value (ms) carried in this event's block, if it had one. */
  // `declare`: no class field is emitted, so an event without a retry has no `retry` key at all.
  declare readonly retry?: number;

  constructor(type: string, data: string, id: string, retry?: number) {
    this.type = type;
    this.data = data;
    this.id = id;
    if (retry !== undefined) this.retry = retry;
  }

  /** `data` parsed as JSON (what `send(object)` produced on the server). */
  json<T = unknown>(): T {
    try {
      return JSON.parse(this.data) as T;
    } catch (error) {
      throw new SyntaxError(`The ${this.type} event's data is not JSON: ${JSON.stringify(this.data)}`, { cause: error });
    }
  }
}
