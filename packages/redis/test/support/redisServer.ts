import { describe, it } from '@jest/globals';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer, connect } from 'node:net';

/** Where redis-server is, or why these tests cannot run. */
const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
export const redisMissing: string | undefined =
  probe.error !== undefined || probe.status !== 0 ? `redis-server is not installed (${probe.error?.message ?? probe.stderr})` : undefined;

/**
 * `describe` for suites that need a real redis-server: without one, the suite
 * reports itself skipped with the reason; under CI=true it fails instead, since
 * CI installs Redis and a silently skipped suite would hide a regression.
 */
export function describeWithRedis(name: string, body: () => void): void {
  describeNeeding(redisMissing, 'redis-server', name, body);
}

/** `describe` that runs when `missing` is undefined, and is skipped (locally) or fails (CI=true) otherwise. */
export function describeNeeding(missing: string | undefined, what: string, name: string, body: () => void): void {
  if (missing === undefined) {
    describe(name, body);
  } else if (process.env.CI === 'true') {
    describe(name, () => {
      it(`needs ${what} (CI installs it)`, () => {
        throw new Error(`${name}: ${missing}`);
      });
    });
  } else {
    describe.skip(`${name} — skipped: ${missing}`, body);
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A redis-server of the test's own, on a free port, without persistence (a restart loses everything). */
export class RedisServer {
  #process: ChildProcess | undefined;

  private constructor(
    readonly port: number,
    /** With a directory, `SAVE` writes a snapshot there and a restart loads it (an RDB restore). */
    readonly dir?: string,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(options: { dir?: string } = {}): Promise<RedisServer> {
    const server = new RedisServer(await freePort(), options.dir);
    await server.restart();
    return server;
  }

  /** Starts it (again, on the same port): empty, or from the last `SAVE` when it has a `dir`. */
  async restart(): Promise<void> {
    const persistence = this.dir === undefined ? [] : ['--dir', this.dir, '--dbfilename', 'dump.rdb'];
    const child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...persistence],
      {
        stdio: 'ignore',
      },
    );
    this.#process = child;
    const deadline = Date.now() + 10_000;
    while (!(await answers(this.port))) {
      if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode} on port ${this.port}`);
      if (Date.now() > deadline) throw new Error(`redis-server did not come up on port ${this.port}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** kill -9, and wait until it is gone. */
  async kill(): Promise<void> {
    const child = this.#process;
    this.#process = undefined;
    if (child === undefined || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  /** Runs redis-cli against it and returns its output. */
  cli(...args: string[]): string {
    const result = spawnSync('redis-cli', ['-p', String(this.port), ...args], { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`redis-cli ${args.join(' ')}: ${result.stderr}`);
    return result.stdout.trim();
  }
}

/** Whether a Redis on 127.0.0.1:`port` answers PING. */
export function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.write('PING\r\n');
    });
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
  });
}
