import { SseErrorCodes, sseError } from './errors.js';
import { encodeEvent } from './frame.js';

/** Options of `ssePlugin(options)`. */
export interface SsePluginOptions {
  /**
   * Bytes a connection may have waiting (queued and in the socket's buffer)
   * without having to drain: past it, a client that takes no byte for
   * `slowClientTimeoutMs` is dropped. A burst larger than this still reaches
   * readers that keep up. Default 1 MiB.
   */
  maxBufferedBytes?: number;
  /** How long a client over `maxBufferedBytes` may take nothing before it is dropped, ms. Default 5,000. */
  slowClientTimeoutMs?: number;
  /**
   * The hard limit: a connection with more than this waiting is dropped at once,
   * draining or not. Broadcast bytes are shared between connections, so this
   * bounds references more than copies. Default 16 × `maxBufferedBytes`.
   */
  maxBacklogBytes?: number;
  /**
   * 0 (default): what is sent during one event-loop turn leaves at its end in one
   * write per connection. > 0: writes are held up to this many ms so events sent
   * one per macrotask are joined too (fewer, larger writes; that much more latency).
   */
  flushWindowMs?: number;
  /** A `retry:` (ms) sent at the start of every stream; by default none (browsers wait ~3 s). */
  retry?: number;
  /** Most streams open at once; past it a new stream is refused (see `refusal`). Default unlimited. */
  maxConnections?: number;
  /**
   * How a stream refused at `maxConnections` or during shutdown is answered. A browser's
   * `EventSource` gives up for good on any non-200 answer, so by default a client that
   * accepts `text/event-stream` gets a 200 event stream holding a jittered `retry:` and
   * one event (`event`, data `{ code, message }`), then the end: the browser tries again
   * later. Other clients (and every client with `mode: 'status'`) get the 503 with `Retry-After`.
   */
  refusal?: { mode?: 'event-stream' | 'status'; event?: string; retry?: number; jitter?: number };
  /** Defaults for `withPing`, and `enabled` to ping every stream without asking. */
  ping?: { interval?: number; dataMessage?: string; enabled?: boolean };
  /** The final event every stream gets at `host.stop()`; `retry` is `retry` + a random 0..`jitter` ms. */
  shutdown?: { event?: string; data?: string; retry?: number; jitter?: number };
}

export interface ResolvedSseOptions {
  maxBufferedBytes: number;
  slowClientTimeoutMs: number;
  maxBacklogBytes: number;
  flushWindowMs: number;
  retry: number | undefined;
  maxConnections: number;
  refusal: { mode: 'event-stream' | 'status'; event: string; retry: number; jitter: number };
  ping: { interval: number; dataMessage: string; enabled: boolean };
  shutdown: { event: string; data: string; retry: number; jitter: number };
}

export function resolveSseOptions(options: SsePluginOptions = {}): ResolvedSseOptions {
  const resolved: ResolvedSseOptions = {
    maxBufferedBytes: options.maxBufferedBytes ?? 1024 * 1024,
    slowClientTimeoutMs: options.slowClientTimeoutMs ?? 5_000,
    maxBacklogBytes: options.maxBacklogBytes ?? 16 * (options.maxBufferedBytes ?? 1024 * 1024),
    flushWindowMs: options.flushWindowMs ?? 0,
    retry: options.retry,
    maxConnections: options.maxConnections ?? Infinity,
    refusal: {
      mode: options.refusal?.mode ?? 'event-stream',
      event: options.refusal?.event ?? 'refused',
      retry: options.refusal?.retry ?? 5_000,
      jitter: options.refusal?.jitter ?? 5_000,
    },
    ping: {
      interval: options.ping?.interval ?? 15_000,
      dataMessage: options.ping?.dataMessage ?? 'ping',
      enabled: options.ping?.enabled ?? false,
    },
    shutdown: {
      event: options.shutdown?.event ?? 'shutdown',
      data: options.shutdown?.data ?? 'server shutting down',
      retry: options.shutdown?.retry ?? 1_000,
      jitter: options.shutdown?.jitter ?? 4_000,
    },
  };
  const positive = (name: string, value: number, allowZero = false, allowInfinity = false): void => {
    if (
      typeof value !== 'number' ||
      Number.isNaN(value) ||
      value < 0 ||
      (!allowZero && value === 0) ||
      (!allowInfinity && value === Infinity)
    ) {
      throw sseError(
        SseErrorCodes.InvalidOption,
        `ssePlugin option ${name} must be a ${allowZero ? 'non-negative' : 'positive'}${allowInfinity ? '' : ', finite'} number, got ${String(value)}`,
      );
    }
  };
  const wholeMs = (name: string, value: number): void => {
    if (!Number.isInteger(value) || value < 0) {
      throw sseError(
        SseErrorCodes.InvalidOption,
        `ssePlugin option ${name} must be a whole, non-negative number of ms, got ${String(value)}`,
      );
    }
  };
  positive('maxBufferedBytes', resolved.maxBufferedBytes);
  positive('slowClientTimeoutMs', resolved.slowClientTimeoutMs);
  positive('maxBacklogBytes', resolved.maxBacklogBytes);
  if (resolved.maxBacklogBytes < resolved.maxBufferedBytes) {
    throw sseError(
      SseErrorCodes.InvalidOption,
      `ssePlugin option maxBacklogBytes (${resolved.maxBacklogBytes}) must not be below maxBufferedBytes (${resolved.maxBufferedBytes})`,
    );
  }
  positive('flushWindowMs', resolved.flushWindowMs, true);
  positive('maxConnections', resolved.maxConnections, false, true);
  positive('ping.interval', resolved.ping.interval);
  // These go on the wire as `retry:` fields, which only take whole ms.
  wholeMs('shutdown.retry', resolved.shutdown.retry);
  wholeMs('shutdown.jitter', resolved.shutdown.jitter);
  wholeMs('refusal.retry', resolved.refusal.retry);
  wholeMs('refusal.jitter', resolved.refusal.jitter);
  if (resolved.refusal.mode !== 'event-stream' && resolved.refusal.mode !== 'status') {
    throw sseError(
      SseErrorCodes.InvalidOption,
      `ssePlugin option refusal.mode must be 'event-stream' or 'status', got ${String(resolved.refusal.mode)}`,
    );
  }
  if (resolved.retry !== undefined) wholeMs('retry', resolved.retry);
  // The shutdown event is encoded at stop time; a name with a line break would fail then, so try it now.
  try {
    encodeEvent(resolved.shutdown.data, { event: resolved.shutdown.event });
  } catch (error) {
    throw sseError(SseErrorCodes.InvalidOption, `ssePlugin option shutdown is not a valid event: ${(error as Error).message}`);
  }
  try {
    encodeEvent('', { event: resolved.refusal.event });
  } catch (error) {
    throw sseError(SseErrorCodes.InvalidOption, `ssePlugin option refusal.event is not a valid event name: ${(error as Error).message}`);
  }
  return resolved;
}
