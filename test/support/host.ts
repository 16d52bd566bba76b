import type { HttpHost, HttpServerBuilder } from '@sluice/core';

/** A started host and the way to stop it (for afterEach/afterAll). */
export interface StartedHost {
  readonly host: HttpHost;
  /** `host.url`, e.g. `http://127.0.0.1:54321`. */
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * Builds `builder` listening on a free port (0) with logging off, starts it and
 * returns it. Configuration the test sets with `useConfiguration` before calling
 * this is kept (logging is switched off after it).
 */
export async function startHost(builder: HttpServerBuilder): Promise<StartedHost> {
  const host = builder
    .useListeningPort(0)
    .useConfiguration((c) => {
      c.logger = false;
    })
    .build();
  await host.start();
  return { host, url: host.url, stop: () => host.stop() };
}

/** A promise with its resolve function, for "the handler got here" signals. */
export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  readonly settled: boolean;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let settled = false;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return {
    promise,
    resolve(value: T) {
      settled = true;
      resolve(value);
    },
    get settled() {
      return settled;
    },
  };
}

/**
 * Resolves with the promise's value, or rejects after `ms` (a generous bound for
 * behaviour that is about time, never a speed assertion). The timer is cleared.
 */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs `fn` and returns what it threw (fails the test when it does not throw). */
export function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw, but it returned');
}

/** Parses a JSON response body as a record (fails on anything else). */
export function asRecord(value: unknown): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`expected a JSON object, got ${JSON.stringify(value)}`);
  }
  return value as Record<string, unknown>;
}
