/**
 * Lets a test wait for a condition on something that changes over time (a socket's
 * received bytes, a parsed event stream) without polling: the owner calls
 * `notify()` after each change, and `until` re-checks the condition then.
 */
export class ChangeSignal {
  readonly #listeners = new Set<() => void>();

  /** Call after every change. */
  notify(): void {
    for (const listener of [...this.#listeners]) listener();
  }

  /**
   * Resolves true once `holds()` is true (checked now and after each change),
   * false after `ms`, or false as soon as `over()` says nothing more will change.
   */
  until(holds: () => boolean, ms: number, over: () => boolean = () => false): Promise<boolean> {
    return new Promise((resolve) => {
      const done = (value: boolean): void => {
        clearTimeout(timer);
        this.#listeners.delete(check);
        resolve(value);
      };
      const check = (): void => {
        if (holds()) done(true);
        else if (over()) done(false);
      };
      const timer = setTimeout(() => done(false), ms);
      this.#listeners.add(check);
      check();
    });
  }
}
