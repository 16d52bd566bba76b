import type { Logger } from 'pino';
import { decodeMessage, type WireMessage } from './message.js';

/** The two channels a node listens on: the bus (broadcasts, prefix sends) and its own (sends to its streams). */
export type ChannelName = 'bus' | 'node';

/** What a node missed, read from the history streams: the current epoch, and the entries after the given offsets. */
export interface Missed {
  readonly epoch: string;
  readonly bus: readonly WireMessage[];
  readonly node: readonly WireMessage[];
}

export interface ChannelReaderOptions {
  /** Reads the bus stream after `busAfter` and this node's stream after `nodeAfter`. */
  readonly readMissed: (busAfter: number, nodeAfter: number) => Promise<Missed>;
  /** Hands an event to the node, once, in the cluster's order. */
  readonly deliver: (message: WireMessage) => void;
  readonly logger: () => Logger | undefined;
}

/**
 * The receiving side: turns what arrives on the node's subscription (at most
 * once, possibly with holes) into each event exactly once, in offset order.
 *
 * Every message names the offset of its predecessor on the same channel
 * (`prev`); when that is not the last offset this node delivered on the channel,
 * messages were lost (a reconnect, a subscriber cut at the output-buffer limit),
 * and the missing ones are read from the history streams by offset, while what
 * keeps arriving waits. Offsets at or below the channel's cursor are dropped as
 * duplicates; an event published again after Redis lost it (new epoch) is
 * recognised by its publisher's sequence number.
 */
export class ChannelReader {
  readonly #options: ChannelReaderOptions;
  #epoch: string | undefined;
  readonly #retired = new Set<string>();
  /** An unknown epoch seen on a channel that Redis was already asked about. */
  #askedAbout: string | undefined;
  readonly #cursor: Record<ChannelName, number> = { bus: 0, node: 0 };
  readonly #queue: Array<{ channel: ChannelName; message: WireMessage }> = [];
  /** Per publisher, the last sequence delivered: a re-publication after data loss is recognised. */
  readonly #delivered = new Map<string, number>();
  #positioned = false;
  #recovering = false;
  #stopped = false;
  #retryTimer: NodeJS.Timeout | undefined;
  /** A message with a reused offset that recovery was asked about (see `#pump`). */
  #suspect: WireMessage | undefined;
  /** Cursors seen behind Redis at the last check (see `check`). */
  #behindAt: string | undefined;

  constructor(options: ChannelReaderOptions) {
    this.#options = options;
  }

  get epoch(): string | undefined {
    return this.#epoch;
  }

  /** The newest offset delivered in this epoch, on either channel: Redis's counter is never behind it unless Redis went back in time. */
  get newestOffset(): number {
    return Math.max(this.#cursor.bus, this.#cursor.node);
  }

  /** Where the channels stood right after subscribing: start delivering after these offsets. */
  position(epoch: string, bus: number, node: number): void {
    this.#epoch = epoch;
    this.#cursor.bus = bus;
    this.#cursor.node = node;
    this.#positioned = true;
    this.#pump();
  }

  /** A message arrived on a channel. */
  receive(channel: ChannelName, text: string): void {
    if (this.#stopped) return;
    const message = decodeMessage(text);
    if (message === undefined) {
      this.#options.logger()?.warn({ channel, message: text.slice(0, 200) }, 'malformed message on a backplane channel; skipped');
      return;
    }
    this.#queue.push({ channel, message });
    this.#pump();
  }

  /**
   * Compares with where Redis says the channels are (from the heartbeat): a node
   * that stays behind across two checks lost messages with nothing after them to
   * show the gap, and reads them.
   */
  check(epoch: string, bus: number, node: number): void {
    if (!this.#positioned) return;
    const behind = epoch !== this.#epoch || bus > this.#cursor.bus || node > this.#cursor.node;
    const at = `${this.#epoch}:${this.#cursor.bus}:${this.#cursor.node}`;
    if (!behind) {
      this.#behindAt = undefined;
      return;
    }
    if (this.#behindAt === at) this.recover();
    this.#behindAt = at;
  }

  /** Reads what was missed (after a reconnect, or on a gap). */
  recover(): void {
    if (this.#recovering || this.#stopped || !this.#positioned) return;
    this.#recovering = true;
    this.#options.readMissed(this.#cursor.bus, this.#cursor.node).then(
      (missed) => {
        this.#recovering = false;
        if (this.#stopped) return;
        if (missed.epoch !== '' && missed.epoch !== this.#epoch) {
          // Redis lost its data: everything of the new epoch is new here. Read it from the start.
          this.#switchEpoch(missed.epoch);
          this.recover();
          return;
        }
        this.#catchUp(missed);
        this.#pump();
      },
      (error: unknown) => {
        this.#recovering = false;
        if (this.#stopped) return;
        this.#options.logger()?.warn({ err: error }, 'could not read missed events from redis; retrying');
        this.#retryTimer = setTimeout(() => this.recover(), 500);
      },
    );
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#retryTimer);
    this.#queue.length = 0;
  }

  #pump(): void {
    while (this.#positioned && !this.#recovering && !this.#stopped && this.#queue.length > 0) {
      const { channel, message } = this.#queue[0]!;
      if (message.epoch !== this.#epoch) {
        if (this.#retired.has(message.epoch) || this.#askedAbout === message.epoch) {
          this.#queue.shift(); // from an epoch that is over, or one Redis does not know
          continue;
        }
        // Maybe Redis lost its data and started a new epoch: ask it before trusting the message.
        this.#askedAbout = message.epoch;
        this.recover();
        return;
      }
      if (message.offset <= this.#cursor[channel]) {
        // An offset already passed, from a publisher whose sequence is new here: not a copy of a
        // delivered event but a new one with a reused offset, so Redis may have come back from an
        // older copy of its data. Recovery asks it (a rewound Redis starts a new epoch); a
        // message that was only late (its history trimmed while this node recovered) is dropped
        // after that one check.
        const last = this.#delivered.get(message.publisher) ?? 0;
        if (message.seq > last && this.#suspect !== message) {
          this.#suspect = message;
          this.recover();
          return;
        }
        this.#queue.shift();
        continue;
      }
      if (message.prev !== this.#cursor[channel]) {
        this.recover();
        return;
      }
      this.#queue.shift();
      this.#deliver(channel, message);
    }
  }

  #catchUp(missed: Missed): void {
    const merged: Array<{ channel: ChannelName; message: WireMessage }> = [];
    for (const message of missed.bus) merged.push({ channel: 'bus', message });
    for (const message of missed.node) merged.push({ channel: 'node', message });
    merged.sort((a, b) => a.message.offset - b.message.offset);
    let lost = 0;
    for (const { channel, message } of merged) {
      if (message.epoch !== this.#epoch || message.offset <= this.#cursor[channel]) continue;
      if (message.prev > this.#cursor[channel]) lost++;
      this.#deliver(channel, message);
    }
    if (lost > 0) {
      this.#options.logger()?.error({ gaps: lost }, 'events were missed and are no longer in the history streams');
    }
  }

  #deliver(channel: ChannelName, message: WireMessage): void {
    this.#cursor[channel] = message.offset;
    const last = this.#delivered.get(message.publisher);
    if (last !== undefined && message.seq <= last) return; // published again after Redis lost it: delivered already
    this.#delivered.set(message.publisher, message.seq);
    this.#options.deliver(message);
  }

  #switchEpoch(epoch: string): void {
    if (this.#epoch !== undefined) this.#retired.add(this.#epoch);
    this.#epoch = epoch;
    this.#askedAbout = undefined;
    this.#cursor.bus = 0;
    this.#cursor.node = 0;
    this.#options.logger()?.warn({ epoch }, 'redis lost its data (a new epoch): ids start again');
  }
}
