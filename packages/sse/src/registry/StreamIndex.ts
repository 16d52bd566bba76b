import type { Outbox } from '../stream/Outbox.js';
import type { EventSourceConnection } from '../stream/EventSourceConnection.js';
import type { EventSourceEndReason } from '../EventMap.js';
import type { Frame } from '../frame.js';
import type { Logger } from 'pino';

/** What the hub needs from the registry: the index of open identified streams. */
export interface StreamIndex {
  /** A stream with an identifier sent its head (a stream already holding the identifier is replaced). */
  add(connection: EventSourceConnection): void;
  /** It ended, for `reason`. */
  remove(connection: EventSourceConnection, reason: EventSourceEndReason): void;
  has(identifier: string): boolean;
  /** The queues the broadcast journal goes to (undefined entries are skipped). */
  journalTargets(): Iterable<Outbox | undefined>;
}

/** What the registry needs from the hub: the shared broadcast path and the host's figures. */
export interface LocalDelivery {
  /** One journal entry for every identified stream, whatever their number. */
  broadcastAll(frame: Frame): void;
  /** The current end of the host's order of queued frames. */
  readonly seq: number;
  figures(): { open: number; queuedBytes: number; slowClientsDropped: number; messagesSent: number; bytesSent: number };
  readonly logger: Logger | undefined;
}
