import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { SseEvent } from '@sluice/sse/testing';
import { templateNames, type TemplateName } from '../src/index.js';
import type { RawConnection } from '../../../test/support/raw.js';
import { eventsIn, npm, openStream, portInUse, ScriptProcess, waitUntilGone } from './appProcess.js';
import { buildProjects, expectSuccess, removeTemporaryDirectories, repositoryRoot, runProcess, temporaryDirectory } from './helpers.js';

/**
 * End to end, per template, as a user of this checkout goes: `sluice new` (the bin, no
 * flag: the registry has no @sluice/* yet, so the app gets tarballs packed from this
 * checkout in vendor/), `npm install`, the app's own `npm test`, `npm run build`, then
 * `npm start` on a free port, one event read from /sse over a raw socket, and a signal to
 * the npm process. Then `npm run dev` with a change to a source file, and the Dockerfile.
 * The installs of both templates run in parallel from beforeAll, sharing npm's cache.
 */

const sluiceBin = path.join(repositoryRoot, 'packages/cli/bin/sluice.js');
const version = (JSON.parse(readFileSync(path.join(repositoryRoot, 'packages/cli/package.json'), 'utf8')) as { version: string }).version;
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
    await runProcess(process.execPath, [sluiceBin, 'new', name, '--template', template], { cwd: root, timeoutMs: 2 * minutes }),
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

/** `npm start` with PORT=0; resolves once the app says it listens, with its port and its own pid (from its JSON log). */
async function startApp(directory: string): Promise<{ npm: ScriptProcess; port: number; pid: number }> {
  const started = new ScriptProcess(directory, ['start'], { PORT: '0' });
  try {
    const [, port] = await started.waitForOutput(/ listening on http:\/\/127\.0\.0\.1:(\d+)/, 90_000);
    const [, pid] = await started.waitForOutput(/"pid":(\d+)/, 10_000);
    return { npm: started, port: Number(port), pid: Number(pid) };
  } catch (error) {
    started.killGroup();
    throw error;
  }
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

/** The signal each template's test sends to `npm start`: both are a graceful stop. */
const stopSignal: Record<TemplateName, NodeJS.Signals> = { minimal: 'SIGINT', sse: 'SIGTERM' };

describe('sluice new from this checkout, end to end', () => {
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
    '%s: installs the packed tarballs as copies, passes its own tests, builds, serves /sse, and stops gracefully on a signal to npm start',
    async (template) => {
      const started = performance.now();
      const { directory, timings } = await installs[template];

      // Real copies from vendor/, no symlink into the checkout: the app and @sluice/core share one inversify.
      const manifest = JSON.parse(readFileSync(path.join(directory, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
      expect(manifest.dependencies['@sluice/core']).toBe(`file:vendor/sluice-core-${version}.tgz`);
      for (const name of ['core', 'sse']) {
        const installed = path.join(directory, 'node_modules', '@sluice', name);
        expect({ name, symlink: lstatSync(installed).isSymbolicLink() }).toEqual({ name, symlink: false });
        expect(existsSync(path.join(installed, 'LICENSE'))).toBe(true);
      }
      expect(existsSync(path.join(directory, 'node_modules', '@sluice', 'sse', 'node_modules'))).toBe(false);

      const tested = expectSuccess('npm test', await runProcess(npm, ['test'], { cwd: directory, timeoutMs: 5 * minutes }));
      timings.test = tested.ms;
      expect(tested.stderr).toMatch(/^Tests: +\d+ passed, \d+ total$/m);

      const built = expectSuccess('npm run build', await runProcess(npm, ['run', 'build'], { cwd: directory, timeoutMs: 5 * minutes }));
      timings.build = built.ms;
      expect(existsSync(path.join(directory, 'dist', 'main.js.map'))).toBe(true);

      // `npm install && npm start` works from a fresh install: start builds first.
      rmSync(path.join(directory, 'dist'), { recursive: true });
      const serveStarted = performance.now();
      const app = await startApp(directory);
      let connection: RawConnection | undefined;
      try {
        connection = await openStream(app.port);
        expectedFirstEvent[template](eventsIn(connection.stream!.body)[0]!);

        // To npm, as a process manager or `kill` would send it: it must reach the app, not only npm's shell.
        process.kill(app.npm.child.pid!, stopSignal[template]);
        expect(await app.npm.exited(15_000)).toBe(0); // the app stopped gracefully and exited 0, and npm with it
        // The minimal stream ended after its event; the sse one stayed open until the stop ended it with a final event.
        expect(await connection.waitForBody(() => connection!.stream!.ended, 5_000)).toBe(true);
        if (template === 'sse') expect(eventsIn(connection.stream!.body).map((event) => event.type)).toEqual(['welcome', 'shutdown']);
        expect(await waitUntilGone(app.pid, 5_000)).toBe(true); // no node left behind, reparented
        expect(await portInUse(app.port)).toBe(false);
        expect(app.npm.groupAlive()).toBe(false);
      } catch (error) {
        throw new Error(`${(error as Error).message}\n--- npm start output\n${app.npm.output}`, { cause: error });
      } finally {
        connection?.destroy();
        app.npm.killGroup();
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

  it(
    'sse: npm run dev lists the routes, rebuilds and restarts on a change to a source file, and stops on Ctrl-C',
    async () => {
      const { directory } = await installs.sse;
      const dev = new ScriptProcess(directory, ['run', 'dev'], { PORT: '0' });
      try {
        const first = await dev.waitForOutput(/ listening on http:\/\/127\.0\.0\.1:(\d+)/, 2 * minutes);
        expect(dev.output).toMatch(
          /^Routes:\n {2}GET +\/sse +MessagesController\.listen\n {2}POST +\/messages +MessagesController\.post\n/m,
        );
        const controller = path.join(directory, 'src', 'MessagesController.ts');
        const mark = dev.output.length;
        writeFileSync(controller, readFileSync(controller, 'utf8').replace("'Welcome to app-sse'", "'Changed in dev'"));

        const [, port] = await dev.waitForOutput(/ listening on http:\/\/127\.0\.0\.1:(\d+)/, 2 * minutes, mark);
        expect(Number(port)).not.toBe(Number(first[1])); // PORT=0: the restarted app picked a new free port
        const connection = await openStream(Number(port));
        expect(eventsIn(connection.stream!.body)[0]!.data).toBe('Changed in dev');
        connection.destroy();

        process.kill(-dev.child.pid!, 'SIGINT'); // Ctrl-C in the terminal: to the whole foreground group
        await dev.exited(20_000);
        expect(await waitUntilGone(-dev.child.pid!, 10_000)).toBe(true); // tsc --watch, node --watch and the app all ended
      } catch (error) {
        throw new Error(`${(error as Error).message}\n--- npm run dev output\n${dev.output}`, { cause: error });
      } finally {
        dev.killGroup();
      }
    },
    5 * minutes,
  );

  it(
    'sse: the Dockerfile builds a non-root image running node dist/main.js (built where a docker engine answers)',
    async () => {
      const { directory } = await installs.sse;
      const dockerfile = readFileSync(path.join(directory, 'Dockerfile'), 'utf8');
      const instructions = dockerfile.split('\n').filter((line) => /^[A-Z]+ /.test(line));
      const stages = instructions.filter((line) => line.startsWith('FROM '));
      expect(stages).toEqual(['FROM node:20-slim AS build', 'FROM node:20-slim']);
      const runtime = instructions.slice(instructions.indexOf(stages[1]!));
      expect(runtime).toContain('USER node');
      expect(runtime.at(-1)).toBe('CMD ["node", "--enable-source-maps", "dist/main.js"]');
      expect(runtime.some((line) => /^ENV .*\bHOST=0\.0\.0\.0\b/.test(line))).toBe(true);
      expect(instructions).toContain('COPY vendor/ ./vendor/'); // the tarballs, before npm ci
      expect(instructions.indexOf('COPY vendor/ ./vendor/')).toBeLessThan(instructions.indexOf('RUN npm ci --no-audit --no-fund'));
      const ignored = readFileSync(path.join(directory, '.dockerignore'), 'utf8').split('\n');
      expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'dist']));

      if (spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 10_000 }).status !== 0) {
        process.stdout.write('e2e docker: no docker engine answers `docker info`; checked the Dockerfile without building it\n');
        return;
      }
      const tag = `sluice-e2e-${process.pid}`;
      try {
        expectSuccess('docker build', await runProcess('docker', ['build', '-t', tag, '.'], { cwd: directory, timeoutMs: 8 * minutes }));
        const user = expectSuccess(
          'docker run',
          await runProcess('docker', ['run', '--rm', tag, 'id', '-un'], { cwd: directory, timeoutMs: minutes }),
        );
        expect(user.stdout.trim()).toBe('node');
      } finally {
        spawnSync('docker', ['rmi', '-f', tag], { stdio: 'ignore' });
      }
    },
    10 * minutes,
  );
});
