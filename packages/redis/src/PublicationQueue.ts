import type { Logger } from 'pino';
import { RedisErrorCodes, redisError } from './errors.js';
import type { LuaScript } from './scripts.js';
import { isNoScript, type ScriptRunner } from './ScriptRunner.js';

/** One event on its way into Redis. */
export interface Publication {
  readonly script: LuaScript;
  readonly keys: readonly string[];
  /** The script's arguments; `args[seqIndex]` is set to the publication's sequence. */
  readonly args: string[];
  /** For a send: resolved with whether the identifier was connected somewhere. */
  readonly settle?: (connected: boolean) => void;
  readonly fail?: (error: Error) => void;
}

interface Entry extends Publication {
  state: 'waiting' | 'sent' | 'done';
  /** When Redis confirmed it (performance.now()). */
  confirmedAt: number;
}

/**
 * Confirmed publications kept this long (and at most this many) in case Redis dies
 * right after confirming them: PUBLISH only queued them for the subscribers, and a
 * Redis killed before writing them out loses them along with its data. Counted up to
 * when the connection was lost, not to when Redis is back (which can take longer:
 * a restarted Redis Cluster master refuses writes for its first 2 seconds).
 */
const retainMs = 2000;
const retainMax = 1000;

/** Where the sequence goes in every publication script's ARGV (0-based). */
export const seqIndex = 3;

/**
 * The events this node publishes, in the order it published them, until Redis
 * confirmed each. `broadcast` only appends here (it never waits for Redis), so a
 * slow or absent Redis never blocks local clients; the bound (`outageBuffer`) is
 * the number of events not yet confirmed.
 *
 * Exactly once: each publication carries this node's sequence number, and the
 * script commits a sequence only right after its predecessor (a retry of a
 * committed one is answered "duplicate", one whose predecessor is missing
 * "early"). So after any failure (connection lost with answers in flight, NOSCRIPT
 * after a restart) the queue waits for every answer, then sends again, in order,
 * everything not confirmed: nothing is published twice or out of order, and an
 * event whose answer was lost is not lost.
 */
export class PublicationQueue {
  readonly #runner: ScriptRunner;
  readonly #limit: number;
  readonly #logger: () => Logger | undefined;
  readonly #beforeSend: () => void;
  readonly #entries: Entry[] = [];
  #next = 0;
  #inFlight = 0;
  #open = false;
  #rewinding = false;
  #reload = false;
  #backoffMs = 0;
  #retryTimer: NodeJS.Timeout | undefined;
  #seq = 0;
  #drained: Array<() => void> = [];
  /** Recently confirmed publications, oldest first (see `retainMs`). */
  #confirmed: Entry[] = [];
  /** The epoch of the last confirmation. */
  #epoch: string | undefined;
  /** When the connection was lost (performance.now()), while it is. */
  #closedAt: number | undefined;

  constructor(options: { runner: ScriptRunner; limit: number; logger: () => Logger | undefined; beforeSend: () => void }) {
    this.#runner = options.runner;
    this.#limit = options.limit;
    this.#logger = options.logger;
    this.#beforeSend = options.beforeSend;
  }

  /** Events not yet confirmed by Redis. */
  get pending(): number {
    return this.#entries.length;
  }

  /** Appends a publication; throws SLUICE_REDIS_UNAVAILABLE when `outageBuffer` events already wait. */
  add(publication: Publication): void {
    if (this.#entries.length >= this.#limit) {
      throw redisError(
        RedisErrorCodes.Unavailable,
        `Redis is unreachable and ${this.#limit} events already wait for it (outageBuffer); this event was not accepted.`,
      );
    }
    publication.args[seqIndex] = String(++this.#seq);
    this.#entries.push({ ...publication, state: 'waiting', confirmedAt: 0 });
    this.#pump();
  }

  /** Redis is usable: send what waits. */
  open(): void {
    this.#open = true;
    this.#closedAt = undefined;
    this.#pump();
  }

  /**
   * Redis is back with this epoch. When it is a new one, Redis lost its data,
   * and with it, maybe, the last confirmed publications before they reached the
   * subscribers: those are published again, first (receivers drop the ones they
   * had, by this node's sequence number).
   */
  resumeIn(epoch: string): void {
    const previous = this.#epoch;
    this.#epoch = epoch;
    if (previous === undefined || previous === epoch) return;
    this.#prune(this.#closedAt ?? performance.now());
    const again = this.#confirmed.splice(0);
    if (again.length === 0) return;
    for (const entry of again) entry.state = 'waiting';
    this.#entries.unshift(...again);
    this.#next = 0;
    this.#logger()?.warn({ events: again.length }, 'redis lost its data: publishing the last confirmed events again');
  }

  /** Redis went away: hold everything until `open()`. */
  close(): void {
    if (this.#open) this.#closedAt = performance.now();
    this.#open = false;
  }

  /** Resolves once every publication was confirmed. */
  drained(): Promise<void> {
    if (this.#entries.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#drained.push(resolve));
  }

  /** Gives up on everything that waits (at stop, when Redis cannot take it). Returns how many. */
  abandon(reason: Error): number {
    const abandoned = this.#entries.splice(0);
    this.#confirmed = [];
    this.#next = 0;
    this.#open = false;
    clearTimeout(this.#retryTimer);
    for (const entry of abandoned) entry.fail?.(reason);
    this.#notifyDrained();
    return abandoned.length;
  }

  #pump(): void {
    if (!this.#open || this.#rewinding || this.#next >= this.#entries.length) return;
    this.#beforeSend();
    while (this.#next < this.#entries.length) {
      const entry = this.#entries[this.#next++]!;
      if (entry.state !== 'waiting') continue;
      entry.state = 'sent';
      this.#inFlight++;
      this.#runner.evalSha(entry.script, entry.keys, entry.args).then(
        (reply) => this.#answered(entry, reply),
        (error: unknown) => this.#failed(entry, error),
      );
    }
  }

  #answered(entry: Entry, reply: unknown): void {
    this.#inFlight--;
    const [status, epoch, , connected] = reply as [number, string, number, number | undefined];
    if (status === 3) {
      // Its predecessor did not commit (it failed too, and is being resent).
      this.#failed(entry, new Error('publication arrived before its predecessor'), true);
      return;
    }
    entry.state = 'done';
    entry.confirmedAt = performance.now();
    this.#epoch = epoch;
    this.#backoffMs = 0;
    entry.settle?.(connected === 1);
    let done = 0;
    while (done < this.#entries.length && this.#entries[done]!.state === 'done') done++;
    if (done > 0) {
      this.#confirmed.push(...this.#entries.splice(0, done));
      this.#next -= done;
      this.#prune(entry.confirmedAt);
    }
    if (this.#entries.length === 0) this.#notifyDrained();
    this.#resume();
  }

  #failed(entry: Entry, error: unknown, counted = false): void {
    if (!counted) this.#inFlight--;
    if (!this.#entries.includes(entry)) return; // abandoned meanwhile
    entry.state = 'waiting';
    this.#rewinding = true;
    if (isNoScript(error)) this.#reload = true;
    else if (this.#open && !counted) {
      // Not a lost connection: an error Redis answered (OOM, a key of the wrong type...). Retry slowly.
      this.#backoffMs = Math.min(Math.max(this.#backoffMs * 2, 100), 2000);
      this.#logger()?.error({ err: error }, 'redis refused a publication; retrying');
    }
    this.#resume();
  }

  /** Once every answer is in after a failure, sends again from the first unconfirmed publication. */
  #resume(): void {
    if (!this.#rewinding || this.#inFlight > 0) return;
    this.#next = 0;
    const restart = (): void => {
      this.#rewinding = false;
      this.#retryTimer = undefined;
      this.#pump();
    };
    if (this.#reload) {
      this.#reload = false;
      this.#runner.loadAll().then(restart, (error: unknown) => {
        this.#logger()?.warn({ err: error }, 'could not load the backplane scripts into redis; retrying');
        this.#retryTimer = setTimeout(() => {
          this.#reload = true;
          this.#resume();
        }, 500);
      });
    } else if (this.#backoffMs > 0 && this.#open) {
      this.#retryTimer = setTimeout(restart, this.#backoffMs);
    } else {
      restart();
    }
  }

  #prune(now: number): void {
    let drop = Math.max(0, this.#confirmed.length - retainMax);
    while (drop < this.#confirmed.length && now - this.#confirmed[drop]!.confirmedAt > retainMs) drop++;
    if (drop > 0) this.#confirmed.splice(0, drop);
  }

  #notifyDrained(): void {
    const waiting = this.#drained.splice(0);
    for (const resolve of waiting) resolve();
  }
}
