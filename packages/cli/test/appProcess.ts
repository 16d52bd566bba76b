import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { EventStreamParser, type SseEvent } from '@sluice/sse/testing';
import { RawConnection } from '../../../test/support/raw.js';
import { cleanEnvironment } from './helpers.js';

export const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** An `npm run <script>` started in its own process group, as a terminal would start it. */
export class ScriptProcess {
  readonly child: ChildProcess;
  #output = '';
  readonly #listeners = new Set<() => void>();

  constructor(directory: string, args: readonly string[], env: Record<string, string> = {}, command = npm) {
    // detached: its own process group, so that the test can clean up everything it started.
    this.child = spawn(command, args, { cwd: directory, env: cleanEnvironment(env), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const onData = (chunk: Buffer): void => {
      this.#output += chunk.toString('utf8');
      for (const listener of this.#listeners) listener();
    };
    this.child.stdout!.on('data', onData);
    this.child.stderr!.on('data', onData);
    this.child.once('exit', () => {
      for (const listener of this.#listeners) listener();
    });
  }

  get output(): string {
    return this.#output;
  }

  /** Resolves with the match once the output matches `pattern` (from `from` on); rejects on exit or timeout. */
  waitForOutput(pattern: RegExp, timeoutMs: number, from = 0): Promise<RegExpExecArray> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const match = pattern.exec(this.#output.slice(from));
        if (match) return finish(() => resolve(match));
        if (this.child.exitCode !== null || this.child.signalCode !== null) {
          finish(() =>
            reject(new Error(`exited (${this.child.exitCode ?? this.child.signalCode}) before printing ${pattern}:\n${this.#output}`)),
          );
        }
      };
      const timer = setTimeout(() => finish(() => reject(new Error(`no ${pattern} within ${timeoutMs} ms:\n${this.#output}`))), timeoutMs);
      const finish = (settle: () => void): void => {
        clearTimeout(timer);
        this.#listeners.delete(check);
        settle();
      };
      this.#listeners.add(check);
      check();
    });
  }

  /** The exit code, once it exits (rejects after `timeoutMs`). */
  exited(timeoutMs: number): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve(this.child.exitCode);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`did not exit within ${timeoutMs} ms:\n${this.#output}`)), timeoutMs);
      this.child.once('exit', (code) => {
        clearTimeout(timer);
        resolve(code);
      });
    });
  }

  /** Whether any process of its group is still alive. */
  groupAlive(): boolean {
    return isAlive(-this.child.pid!);
  }

  /** SIGKILL to the whole group: the last resort of a test's cleanup. */
  killGroup(): void {
    try {
      process.kill(-this.child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Whether a process (or, negative, a process group) exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Waits until `pid` (or a group, negative) is gone; false after `timeoutMs`. */
export async function waitUntilGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

/** Whether something accepts connections on 127.0.0.1:port. */
export function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The complete events in a (dechunked, latin1) event-stream body. */
export function eventsIn(body: string): SseEvent[] {
  return EventStreamParser.parse(Buffer.from(body, 'latin1')).events;
}

/** Opens GET /sse over a raw socket and waits for the first complete event. */
export async function openStream(port: number): Promise<RawConnection> {
  const connection = await RawConnection.open(port);
  connection.send(`GET /sse HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: text/event-stream\r\n\r\n`);
  const head = await connection.readHead(10_000);
  if (head.status !== 200) throw new Error(`GET /sse answered ${head.status}`);
  if (!(await connection.waitForBody((body) => eventsIn(body).length > 0, 10_000))) throw new Error('no event on /sse within 10 s');
  return connection;
}
