import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const fixture = fileURLToPath(new URL('../fixtures/node.mjs', import.meta.url));

/**
 * Builds the packages the node processes import (`tsc -b`, incremental: a no-op
 * when nothing changed). The processes run the built `dist`, as an app would;
 * jest itself runs the sources.
 */
export function buildPackages(): void {
  execFileSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-b', `${root}packages/redis`], { cwd: root, stdio: 'pipe' });
}

/** A Sluice node in its own process (fixtures/node.mjs), driven over HTTP. */
export class NodeProcess {
  #output = '';
  readonly exited: Promise<number | null>;

  private constructor(
    readonly child: ChildProcess,
    readonly url: string,
  ) {
    this.exited = new Promise((resolve) => {
      if (child.exitCode !== null) resolve(child.exitCode);
      else child.once('exit', (code) => resolve(code));
    });
    child.stdout!.on('data', (chunk: Buffer) => (this.#output += chunk.toString()));
  }

  static async start(env: Record<string, string>): Promise<NodeProcess> {
    const child = spawn(process.execPath, [fixture], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let errors = '';
    child.stderr!.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    let timer: NodeJS.Timeout | undefined;
    const url = await new Promise<string>((resolve, reject) => {
      const onData = (chunk: Buffer): void => {
        output += chunk.toString();
        const match = /READY (\S+)\n/.exec(output);
        if (match) {
          child.stdout!.off('data', onData);
          resolve(match[1]!);
        }
      };
      child.stdout!.on('data', onData);
      child.once('exit', (code) => reject(new Error(`node process exited with ${code}: ${errors}`)));
      timer = setTimeout(() => reject(new Error(`node process not ready within 15 s: ${output} ${errors}`)), 15_000);
    }).finally(() => clearTimeout(timer));
    return new NodeProcess(child, url);
  }

  get output(): string {
    return this.#output;
  }

  async broadcast(text: string, options: { prefix?: string; event?: string; count?: number } = {}): Promise<void> {
    const query = new URLSearchParams();
    if (options.prefix !== undefined) query.set('prefix', options.prefix);
    if (options.event !== undefined) query.set('event', options.event);
    if (options.count !== undefined) query.set('count', String(options.count));
    const response = await fetch(`${this.url}/broadcast?${query}`, { method: 'POST', body: text });
    if (response.status !== 200) throw new Error(`broadcast: ${response.status} ${await response.text()}`);
  }

  async sendTo(identifier: string, text: string): Promise<boolean> {
    const response = await fetch(`${this.url}/send/${encodeURIComponent(identifier)}`, { method: 'POST', body: text });
    return ((await response.json()) as { connected: boolean }).connected;
  }

  async presence(prefix?: string): Promise<string[]> {
    const response = await fetch(`${this.url}/presence${prefix === undefined ? '' : `?prefix=${encodeURIComponent(prefix)}`}`);
    return ((await response.json()) as { identifiers: string[] }).identifiers;
  }

  /** SIGTERM: a graceful stop. */
  terminate(): void {
    this.child.kill('SIGTERM');
  }

  /** kill -9: a crash. */
  async crash(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.exited;
  }
}
