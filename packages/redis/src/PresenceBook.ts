import type { Logger } from 'pino';
import type { Keys } from './keys.js';
import { presenceOpsScript } from './scripts.js';
import type { ScriptRunner } from './ScriptRunner.js';

/** Ops per script call: keeps each call short, so other clients are not held up behind a large re-announce. */
const batchOps = 1000;

/**
 * This node's side of presence: the joins and leaves of its streams, sent to
 * Redis in the order they happened, batched per tick (a hash identifier → node
 * and a set per node, so a crashed node's identifiers can be reaped). Sent
 * before any publication of this node, so a `sendTo` made after a stream opened
 * finds it. When a batch may have been lost, or Redis forgot this node, the
 * node announces all its streams again from scratch.
 */
export class PresenceBook {
  readonly #runner: ScriptRunner;
  readonly #keys: Keys;
  readonly #node: string;
  readonly #identifiers: () => Iterable<string>;
  readonly #logger: () => Logger | undefined;
  /** Pairs: op (j, l), identifier. */
  #ops: string[] = [];
  #announceAll = false;
  #scheduled = false;
  #open = false;

  constructor(options: {
    runner: ScriptRunner;
    keys: Keys;
    node: string;
    identifiers: () => Iterable<string>;
    logger: () => Logger | undefined;
  }) {
    this.#runner = options.runner;
    this.#keys = options.keys;
    this.#node = options.node;
    this.#identifiers = options.identifiers;
    this.#logger = options.logger;
  }

  joined(identifier: string): void {
    this.#ops.push('j', identifier);
    this.#schedule();
  }

  left(identifier: string): void {
    this.#ops.push('l', identifier);
    this.#schedule();
  }

  /** Replace whatever Redis holds for this node with its current streams (at the next flush). */
  announceAll(): void {
    this.#ops = [];
    this.#announceAll = true;
    this.#schedule();
  }

  open(): void {
    this.#open = true;
    this.flush();
  }

  close(): void {
    this.#open = false;
  }

  /** Sends what is queued (now, ahead of anything sent after this call on the connection). */
  flush(): Promise<void> {
    if (!this.#open) return Promise.resolve();
    let ops = this.#ops;
    this.#ops = [];
    if (this.#announceAll) {
      this.#announceAll = false;
      ops = ['r', ''];
      for (const identifier of this.#identifiers()) ops.push('j', identifier);
    }
    if (ops.length === 0) return Promise.resolve();
    const sent: Array<Promise<unknown>> = [];
    for (let at = 0; at < ops.length; at += batchOps * 2) {
      sent.push(
        this.#runner.run(
          presenceOpsScript,
          [this.#keys.presence, this.#keys.members(this.#node)],
          [this.#node, ...ops.slice(at, at + batchOps * 2)],
        ),
      );
    }
    return Promise.all(sent).then(
      () => undefined,
      (error: unknown) => {
        // Some of it may not have reached Redis: say everything again once it is back.
        this.#logger()?.debug({ err: error }, 'presence update failed; this node re-announces its streams when redis is back');
        this.#ops = [];
        this.#announceAll = true;
      },
    );
  }

  #schedule(): void {
    if (this.#scheduled || !this.#open) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      void this.flush();
    });
  }
}
