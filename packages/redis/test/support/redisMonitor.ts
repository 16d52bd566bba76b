import { spawn, type ChildProcess } from 'node:child_process';

/** MONITOR on a raw redis-cli: every command one server ran while it watched (those of scripts included). */
export class RedisMonitor {
  readonly ready: Promise<void>;
  #lines: string[] = [];
  readonly #child: ChildProcess;

  private constructor(port: number) {
    this.#child = spawn('redis-cli', ['-p', String(port), 'MONITOR'], { stdio: ['ignore', 'pipe', 'ignore'] });
    this.ready = new Promise((resolve) => {
      this.#child.stdout!.once('data', () => resolve());
    });
    this.#child.stdout!.on('data', (chunk: Buffer) => this.#lines.push(...chunk.toString().split('\n')));
  }

  static start(port: number): RedisMonitor {
    return new RedisMonitor(port);
  }

  /** Stops watching (after a moment, so that what was just sent shows). */
  async stop(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 200));
    this.#child.kill();
  }

  /**
   * The lines of the commands named `name` (e.g. publish, spublish) seen, as MONITOR prints them:
   * `<time> [<db> <client or lua>] "<command>" "<arg>"...`.
   */
  commands(name: string): string[] {
    return this.#lines.filter((line) => new RegExp(`\\] "${name}"`, 'i').test(line));
  }
}
