import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { answers, describeNeeding, redisMissing } from './redisServer.js';

const cliProbe = spawnSync('redis-cli', ['--version'], { encoding: 'utf8' });
/** Why a Redis Cluster cannot be started here (undefined: it can). */
export const redisClusterMissing: string | undefined =
  redisMissing ??
  (cliProbe.error !== undefined || cliProbe.status !== 0
    ? `redis-cli is not installed (${cliProbe.error?.message ?? cliProbe.stderr})`
    : undefined);

/** `describe` for suites that need a Redis Cluster: the rules of `describeWithRedis` (skipped locally, failing under CI=true). */
export function describeWithRedisCluster(name: string, body: () => void): void {
  describeNeeding(redisClusterMissing, 'redis-server and redis-cli', name, body);
}

/** Not exited (a process killed by a signal has no exit code, but a signal code). */
function running(child: ChildProcess | undefined): boolean {
  return child !== undefined && child.exitCode === null && child.signalCode === null;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A port for a cluster node: free, and so is its cluster bus port (port + 10000).
 * Both below Linux's ephemeral range (32768 and up), so that outgoing
 * connections do not take them between this check and redis-server's bind.
 */
async function nodePort(taken: Set<number>): Promise<number> {
  for (let attempt = 0; attempt < 500; attempt++) {
    const port = 12_000 + Math.floor(Math.random() * 10_000);
    if (taken.has(port) || taken.has(port + 10_000)) continue;
    if ((await portFree(port)) && (await portFree(port + 10_000))) {
      taken.add(port).add(port + 10_000);
      return port;
    }
  }
  throw new Error('no free pair of ports (port, port + 10000) for a cluster node');
}

/**
 * A Redis Cluster of the test's own: three masters (no replicas) on free ports,
 * without persistence (a restarted node keeps its cluster config and slots, and
 * loses its data), in a temporary directory removed by `stop()`.
 */
export class RedisCluster {
  readonly #processes = new Map<number, ChildProcess>();

  private constructor(
    readonly ports: readonly number[],
    readonly dir: string,
  ) {}

  /** `redis://127.0.0.1:<port>` of every master: the `rootNodes`. */
  get rootNodes(): string[] {
    return this.ports.map((port) => `redis://127.0.0.1:${port}`);
  }

  static async start(masters = 3): Promise<RedisCluster> {
    const dir = mkdtempSync(path.join(tmpdir(), 'sluice-redis-cluster-'));
    const taken = new Set<number>();
    const ports: number[] = [];
    for (let i = 0; i < masters; i++) ports.push(await nodePort(taken));
    const cluster = new RedisCluster(ports, dir);
    try {
      await Promise.all(ports.map((port) => cluster.startNode(port)));
      const created = spawnSync(
        'redis-cli',
        ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '0', '--cluster-yes'],
        { encoding: 'utf8', timeout: 60_000 },
      );
      if (created.status !== 0) throw new Error(`redis-cli --cluster create failed: ${created.stdout} ${created.stderr}`);
      await cluster.waitUntilOk();
      return cluster;
    } catch (error) {
      await cluster.stop();
      throw error;
    }
  }

  /** Starts the node on `port` (again: empty, with its cluster config, so it rejoins with its slots); a no-op when it runs. */
  async startNode(port: number): Promise<void> {
    if (running(this.#processes.get(port))) return;
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        path.join(this.dir, `nodes-${port}.conf`),
        '--cluster-node-timeout',
        '5000',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        this.dir,
      ],
      { stdio: 'ignore' },
    );
    this.#processes.set(port, child);
    const deadline = Date.now() + 10_000;
    while (!(await answers(port))) {
      if (!running(child)) throw new Error(`redis-server exited (${child.exitCode ?? child.signalCode}) on port ${port}`);
      if (Date.now() > deadline) throw new Error(`redis-server did not come up on port ${port}`);
      await sleep(25);
    }
  }

  /** kill -9 the node on `port`, and wait until it is gone. */
  async killNode(port: number): Promise<void> {
    const child = this.#processes.get(port);
    this.#processes.delete(port);
    if (child === undefined || !running(child)) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  /** Waits until every node says `cluster_state:ok`. */
  async waitUntilOk(ms = 30_000): Promise<void> {
    const deadline = Date.now() + ms;
    for (;;) {
      const states = this.ports.map((port) => {
        try {
          return /cluster_state:(\w+)/.exec(this.cli(port, 'CLUSTER', 'INFO'))?.[1];
        } catch {
          return 'down';
        }
      });
      if (states.every((state) => state === 'ok')) return;
      if (Date.now() > deadline) throw new Error(`the cluster is not ok: ${states.join(', ')}`);
      await sleep(100);
    }
  }

  /** Runs redis-cli against one node and returns its output. */
  cli(port: number, ...args: string[]): string {
    const result = spawnSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`redis-cli -p ${port} ${args.join(' ')}: ${result.stderr}`);
    return result.stdout.trim();
  }

  /** The port of the master that serves the slot of `key` (as the nodes see it now). */
  masterOf(key: string): number {
    const slot = Number(this.cli(this.ports[0]!, 'CLUSTER', 'KEYSLOT', key));
    // <id> <ip:port@cport> <flags> <master> <ping-sent> <pong-recv> <config-epoch> <link-state> <slot> <slot>...
    for (const line of this.cli(this.ports[0]!, 'CLUSTER', 'NODES').split('\n')) {
      const fields = line.trim().split(' ');
      if (!fields[2]?.includes('master')) continue;
      for (const range of fields.slice(8)) {
        const match = /^(\d+)(?:-(\d+))?$/.exec(range);
        if (match === null) continue;
        const from = Number(match[1]);
        const to = Number(match[2] ?? match[1]);
        if (slot >= from && slot <= to) return Number(/:(\d+)@/.exec(fields[1]!)![1]);
      }
    }
    throw new Error(`no master serves the slot ${slot} of ${key}`);
  }

  /** Kills every node and removes the directory. */
  async stop(): Promise<void> {
    await Promise.all([...this.#processes.keys()].map((port) => this.killNode(port)));
    rmSync(this.dir, { recursive: true, force: true });
  }
}
