import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, lstatSync, rmSync } from 'node:fs';
import path from 'node:path';
import { EventStreamParser, type SseEvent } from '@sluice/sse/testing';
import { templateNames, type TemplateName } from '../src/index.js';
import { RawConnection } from '../../../test/support/raw.js';
import {
  buildProjects,
  cleanEnvironment,
  expectSuccess,
  removeTemporaryDirectories,
  repositoryRoot,
  runProcess,
  temporaryDirectory,
} from './helpers.js';

/**
 * End to end, per template: `sluice new --local` (the built bin), `npm install`,
 * the app's own `npm test`, `npm run build`, then `npm start` (which builds
 * first) on a free port, one event read from /sse over a raw socket, and a
 * graceful SIGTERM.
 * The installs of both templates run in parallel from beforeAll, sharing npm's cache.
 */

const sluiceBin = path.join(repositoryRoot, 'packages/cli/dist/bin.js');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const minutes = 60_000;

interface InstalledApp {
  readonly directory: string;
  readonly timings: Record<string, number>;
}

async function generateAndInstall(root: string, template: TemplateName): Promise<InstalledApp> {
  const name = `app-${template}`;
  const timings: Record<string, number> = {};
  const generated = expectSuccess(
    'sluice new',
    await runProcess(process.execPath, [sluiceBin, 'new', name, '--template', template, '--local'], { cwd: root, timeoutMs: 30_000 }),
  );
  timings.generate = generated.ms;
  const directory = path.join(root, name);
  const installed = expectSuccess(
    'npm install',
    await runProcess(npm, ['install', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: directory, timeoutMs: 8 * minutes }),
  );
  timings.install = installed.ms;
  return { directory, timings };
}

/** The complete events in a (dechunked, latin1) event-stream body. */
function eventsIn(body: string): SseEvent[] {
  return EventStreamParser.parse(Buffer.from(body, 'latin1')).events;
}

/**
 * `npm start` with PORT=0, as the app's README says; resolves once the app says
 * it listens, with its port and the app's own pid (from its log line: npm runs
 * it through a shell, and a signal to npm would not reach it).
 */
function startApp(directory: string): Promise<{ npm: ChildProcess; port: number; pid: number; output: () => string }> {
  const child = spawn(npm, ['start'], { cwd: directory, env: cleanEnvironment({ PORT: '0' }), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      const pid = /"pid":(\d+)/.exec(output);
      if (pid) killQuietly(Number(pid[1]));
      child.kill('SIGKILL');
      reject(new Error(`the app did not say it listens within 60 s:\n${output}`));
    }, 60_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      const listening = / listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      const pid = /"pid":(\d+)/.exec(output);
      if (listening && pid) {
        clearTimeout(timer);
        resolve({ npm: child, port: Number(listening[1]), pid: Number(pid[1]), output: () => output });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited (${code ?? signal}) before the app listened:\n${output}`));
    });
  });
}

/** SIGKILL for a process that may already be gone. */
function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

function exitOf(child: ChildProcess, timeoutMs: number): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start did not exit within ${timeoutMs} ms of the SIGTERM`)), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

const expectedFirstEvent: Record<TemplateName, (event: SseEvent) => void> = {
  minimal: (event) => {
    expect(event.type).toBe('hello');
    expect(event.json<{ message: string }>().message).toBe('Hello, world!');
  },
  sse: (event) => {
    expect(event.type).toBe('welcome');
    expect(event.data).toBe('Welcome to app-sse');
  },
};

describe('sluice new --local, end to end', () => {
  let installs: Record<TemplateName, Promise<InstalledApp>>;

  beforeAll(async () => {
    await buildProjects('packages/core', 'packages/sse', 'packages/cli');
    const root = temporaryDirectory('sluice-e2e-');
    installs = Object.fromEntries(templateNames.map((template) => [template, generateAndInstall(root, template)])) as typeof installs;
    // Each test awaits its own install and reports its failure; none goes unhandled meanwhile.
    for (const install of Object.values(installs)) install.catch(() => undefined);
  }, 2 * minutes);

  afterAll(async () => {
    await Promise.allSettled(Object.values(installs ?? {}));
    removeTemporaryDirectories();
  });

  it.each(templateNames)(
    '%s: installs the local packages as copies, passes its own tests, builds, serves /sse and stops on SIGTERM',
    async (template) => {
      const started = performance.now();
      const { directory, timings } = await installs[template];

      // install-links: real copies of the packages, so the app and @sluice/core share one inversify.
      for (const name of ['core', 'sse']) {
        const installed = path.join(directory, 'node_modules', '@sluice', name);
        expect({ name, symlink: lstatSync(installed).isSymbolicLink() }).toEqual({ name, symlink: false });
      }
      expect(existsSync(path.join(directory, 'node_modules', '@sluice', 'sse', 'node_modules'))).toBe(false);

      const tested = expectSuccess('npm test', await runProcess(npm, ['test'], { cwd: directory, timeoutMs: 5 * minutes }));
      timings.test = tested.ms;
      expect(tested.stderr).toMatch(/^Tests: +\d+ passed, \d+ total$/m);

      const built = expectSuccess('npm run build', await runProcess(npm, ['run', 'build'], { cwd: directory, timeoutMs: 5 * minutes }));
      timings.build = built.ms;
      expect(existsSync(path.join(directory, 'dist', 'main.js'))).toBe(true);

      // `npm install && npm start` works from a fresh install: start builds first.
      rmSync(path.join(directory, 'dist'), { recursive: true });
      const serveStarted = performance.now();
      const app = await startApp(directory);
      let connection: RawConnection | undefined;
      try {
        connection = await RawConnection.open(app.port);
        connection.send(`GET /sse HTTP/1.1\r\nHost: 127.0.0.1:${app.port}\r\nAccept: text/event-stream\r\n\r\n`);
        const head = await connection.readHead(10_000);
        expect(head.status).toBe(200);
        expect(head.headers['content-type']).toBe('text/event-stream; charset=utf-8');
        const gotEvent = await connection.waitForBody((body) => eventsIn(body).length > 0, 10_000);
        expect(gotEvent).toBe(true);
        expectedFirstEvent[template](eventsIn(connection.stream!.body)[0]!);

        process.kill(app.pid, 'SIGTERM');
        expect(await exitOf(app.npm, 15_000)).toBe(0); // the app stopped gracefully and exited 0, and npm with it
        // The minimal stream ended after its event; the sse one stayed open until the stop ended it with a final event.
        expect(await connection.waitForBody(() => connection!.stream!.ended, 5_000)).toBe(true);
        if (template === 'sse') expect(eventsIn(connection.stream!.body).map((event) => event.type)).toEqual(['welcome', 'shutdown']);
      } catch (error) {
        throw new Error(`${(error as Error).message}\n--- npm start output\n${app.output()}`, { cause: error });
      } finally {
        connection?.destroy();
        if (app.npm.exitCode === null) {
          killQuietly(app.pid);
          app.npm.kill('SIGKILL');
        }
      }
      timings.serve = performance.now() - serveStarted;

      const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
      process.stdout.write(
        `e2e ${template}: ${Object.entries(timings)
          .map(([step, ms]) => `${step} ${seconds(ms)}`)
          .join(', ')}; ${seconds(performance.now() - started)} for the whole test (waiting for the parallel installs included)\n`,
      );
    },
    10 * minutes,
  );
});
