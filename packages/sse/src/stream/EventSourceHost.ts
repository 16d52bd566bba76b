import type { HeaderValue, HttpRequest } from '@sluice/core';
import type { Logger } from 'pino';
import type { JournalBatch } from '../delivery/BroadcastJournal.js';
import type { Drainable } from '../delivery/SlowClientWatch.js';
import type { Pingable } from '../delivery/PingScheduler.js';
import type { Outbox } from './Outbox.js';
import type { EventSourceEndReason } from '../EventMap.js';

/** Settings every connection of a host shares. */
export interface ConnectionSettings {
  /** Bytes a client may have waiting before it must keep draining (`maxBufferedBytes`). */
  readonly boundBytes: number;
  /** `sendAll` pulls its next item only while less than this waits. */
  readonly highWaterBytes: number;
  /** A `retry:` sent first on every stream, or undefined. */
  readonly retry: number | undefined;
  readonly pingDefaults: { readonly dataMessage: string; readonly interval: number };
}

/** A connection as the host sees it. */
export interface HostedConnection extends Pingable, Drainable {
  readonly identifier: string | undefined;
}

/**
 * What one event stream needs from its host: a place in the send order, the
 * flush and ping schedules, the slow-client watch, counters, and the index of
 * open streams. The connection knows this interface, not the hub behind it.
 */
export interface EventSourceHost {
  readonly settings: ConnectionSettings;
  readonly logger: Logger | undefined;
  /** The next number in the host's order of queued frames (direct sends and broadcasts merge by it). */
  nextSeq(): number;
  /** The current end of that order. */
  readonly seq: number;
  /** Monotonic ms of the last flush (cheaper than reading the clock per write). */
  readonly now: number;
  schedule(outbox: Outbox): void;
  /** Broadcasts not flushed yet: a stream that ends now writes them first. */
  pendingJournal(): JournalBatch | undefined;
  startPing(connection: HostedConnection, intervalMs: number): void;
  stopPing(connection: HostedConnection, intervalMs: number): void;
  /** Over the bound after a write (or, with `threshold`, a producer waits for it to drain under that). */
  behind(connection: HostedConnection, bufferedBytes: number, threshold?: number): void;
  applyHostHeaders(request: HttpRequest, headers: Record<string, HeaderValue>): void;
  /** The head was sent: count it, index it when identified. */
  opened(connection: HostedConnection): void;
  /** It ended, whatever the reason (`wasOpen` false: it never sent its head). */
  closed(connection: HostedConnection, wasOpen: boolean, reason: EventSourceEndReason): void;
  /** Bytes and events handed to a transport. */
  counted(bytes: number, messages: number): void;
}
