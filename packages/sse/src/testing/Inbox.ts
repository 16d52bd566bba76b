/** Why a wait failed; the owner turns it into an error that says what was received. */
export type InboxFailure = { kind: 'timeout'; timeoutMs: number } | { kind: 'ended' };

interface Waiter<T> {
  readonly accept: (item: T) => boolean;
  readonly wanted: string;
  readonly resolve: (item: T) => void;
  readonly reject: (error: Error) => void;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Items that arrive over time (events, comments) read through a cursor: each
 * `take` returns the first item past the cursor that `accept`s and moves the
 * cursor past it, so the items it skipped are not offered again. Takes waiting
 * at the same time are served in the order they were made, as if each were
 * awaited before the next was asked.
 */
export class Inbox<T> {
  /** Every item received, taken or not. */
  readonly items: T[] = [];
  readonly #fail: (failure: InboxFailure, wanted: string) => Error;
  #cursor = 0;
  #waiters: Waiter<T>[] = [];
  #ended = false;

  constructor(fail: (failure: InboxFailure, wanted: string) => Error) {
    this.#fail = fail;
  }

  /** How many items were taken or skipped by takes. */
  get consumed(): number {
    return this.#cursor;
  }

  push(item: T): void {
    this.items.push(item);
    this.#drain();
  }

  /** No more items will come: waits that cannot be served fail now. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#drain();
  }

  /** The next item past the cursor that `accept`s; fails after `timeoutMs` or when the inbox ends first. */
  take(accept: (item: T) => boolean, timeoutMs: number, wanted: string): Promise<T> {
    if (!Number.isFinite(timeoutMs) || timeoutMs < 0) throw new RangeError(`timeoutMs must be a non-negative number, got ${timeoutMs}`);
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter<T> = { accept, wanted, resolve, reject, timer: undefined };
      this.#waiters.push(waiter);
      this.#drain();
      if (this.#waiters.includes(waiter)) {
        waiter.timer = setTimeout(() => {
          this.#waiters = this.#waiters.filter((w) => w !== waiter);
          reject(this.#fail({ kind: 'timeout', timeoutMs }, wanted));
          // Takes queued behind this one may be servable now.
          this.#drain();
        }, timeoutMs);
      }
    });
  }

  #drain(): void {
    while (this.#waiters.length > 0) {
      const waiter = this.#waiters[0]!;
      let outcome: { item: T } | { error: Error } | undefined;
      // What a wait looks at and refuses is consumed: a later take starts after it.
      while (outcome === undefined && this.#cursor < this.items.length) {
        const item = this.items[this.#cursor++]!;
        try {
          if (waiter.accept(item)) outcome = { item };
        } catch (error) {
          // A predicate that throws fails its own wait, not the connection feeding the inbox.
          outcome = { error: error instanceof Error ? error : new Error(String(error)) };
        }
      }
      if (outcome === undefined) {
        if (!this.#ended) return;
        outcome = { error: this.#fail({ kind: 'ended' }, waiter.wanted) };
      }
      this.#waiters.shift();
      clearTimeout(waiter.timer);
      if ('item' in outcome) waiter.resolve(outcome.item);
      else waiter.reject(outcome.error);
    }
  }
}
