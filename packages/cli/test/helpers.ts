import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, type RunOptions } from '../src/index.js';

/** The repository's root. */
export const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** A fresh, empty temporary directory; `removeTemporaryDirectories()` cleans them all. */
const temporaryDirectories: string[] = [];
export function temporaryDirectory(prefix = 'sluice-cli-'): string {
  const directory = mkdtempSync(path.join(os.tmpdir(), prefix));
  temporaryDirectories.push(directory);
  return directory;
}
export function removeTemporaryDirectories(): void {
  for (const directory of temporaryDirectories.splice(0)) rmSync(directory, { recursive: true, force: true });
}

/** Every file and directory under `root` (relative, `/`-separated), files with their content. */
export function snapshot(root: string): Record<string, string> {
  const entries: Record<string, string> = {};
  const walk = (relative: string): void => {
    for (const entry of readdirSync(path.join(root, relative), { withFileTypes: true })) {
      const child = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) {
        entries[`${child}/`] = '';
        walk(child);
      } else entries[child] = readFileSync(path.join(root, child), 'utf8');
    }
  };
  walk('');
  return entries;
}

/** What `run` printed and returned. */
export interface RunOutcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process with `cwd`, collecting its output. */
export async function runCli(argv: readonly string[], options: Omit<RunOptions, 'stdout' | 'stderr'> = {}): Promise<RunOutcome> {
  let stdout = '';
  let stderr = '';
  const code = await run(argv, {
    ...options,
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  });
  return { code, stdout, stderr };
}

/** The outcome of a child process. */
export interface ProcessOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Wall-clock time it ran, ms (reported, never asserted). */
  ms: number;
}

/**
 * The environment for child processes: this one without what `npm run` and jest
 * add (`npm_config_local_prefix` would send a nested `npm install` to the
 * repository, `JEST_WORKER_ID` would confuse a nested jest).
 */
export function cleanEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^npm_/i.test(name) || name === 'INIT_CWD' || name === 'JEST_WORKER_ID' || name === 'NODE_ENV') continue;
    env[name] = value;
  }
  return { ...env, ...extra };
}

/** Runs a command to its end (killed after `timeoutMs`), collecting its output. */
export function runProcess(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<ProcessOutcome> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? cleanEnvironment(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} did not finish within ${options.timeoutMs} ms\n${stdout}\n${stderr}`));
    }, options.timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: performance.now() - started });
    });
  });
}

/** Fails with the command's output when it did not exit 0. */
export function expectSuccess(what: string, outcome: ProcessOutcome): ProcessOutcome {
  if (outcome.code !== 0) {
    throw new Error(`${what} exited with ${outcome.code ?? outcome.signal}\n--- stdout\n${outcome.stdout}\n--- stderr\n${outcome.stderr}`);
  }
  return outcome;
}

/**
 * Brings the given projects' `dist` up to date with `tsc -b` (which `npm test`
 * runs first anyway; when nothing changed this is a quick check that writes nothing).
 */
export async function buildProjects(...projects: string[]): Promise<void> {
  const tsc = path.join(repositoryRoot, 'node_modules', 'typescript', 'bin', 'tsc');
  expectSuccess(
    `tsc -b ${projects.join(' ')}`,
    await runProcess(process.execPath, [tsc, '-b', ...projects], { cwd: repositoryRoot, timeoutMs: 120_000 }),
  );
}
