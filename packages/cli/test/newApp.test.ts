import { afterEach, describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CliError, CliErrorCodes, findCheckout, newApp, resolveSluice, templateNames, type RegistryLookup } from '../src/index.js';
import { removeTemporaryDirectories, repositoryRoot, runCli, snapshot, temporaryDirectory } from './helpers.js';

const cliVersion = (JSON.parse(readFileSync(path.join(repositoryRoot, 'packages/cli/package.json'), 'utf8')) as { version: string })
  .version;

interface Manifest {
  name: string;
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
}

function readManifest(directory: string): Manifest {
  return JSON.parse(readFileSync(path.join(directory, 'package.json'), 'utf8')) as Manifest;
}

afterEach(removeTemporaryDirectories);

describe('sluice new: bad input is refused before anything is written', () => {
  const cases: Array<[string, (cwd: string) => string[], RegExp]> = [
    [
      'a non-empty directory',
      (cwd) => {
        mkdirSync(path.join(cwd, 'taken'));
        writeFileSync(path.join(cwd, 'taken', 'notes.txt'), 'mine');
        return ['new', 'taken'];
      },
      /^taken is not empty \(1 entry\)/,
    ],
    [
      'a directory holding only a dotfile',
      (cwd) => {
        mkdirSync(path.join(cwd, 'dotted'));
        writeFileSync(path.join(cwd, 'dotted', '.env'), 'SECRET=1');
        return ['new', 'dotted', '--template', 'sse'];
      },
      /^dotted is not empty/,
    ],
    [
      'a file',
      (cwd) => {
        writeFileSync(path.join(cwd, 'plain'), 'text');
        return ['new', 'plain'];
      },
      /^plain exists and is not a directory/,
    ],
    [
      'a path through a file',
      (cwd) => {
        writeFileSync(path.join(cwd, 'blocker'), 'text');
        return ['new', 'blocker/app'];
      },
      /^cannot create blocker\/app: a part of its path is a file/,
    ],
    ['an upper-case name', () => ['new', 'My-App'], /^cannot name the app "My-App" after its directory: npm package names are lowercase/],
    ['a name with a leading dot', () => ['new', '.app'], /^cannot name the app ".app".*dot/],
    ['a name with a leading underscore', () => ['new', '_app'], /^cannot name the app "_app".*underscore/],
    ['a name with a space', () => ['new', 'my app'], /^cannot name the app "my app".*URL-safe/],
    ['a built-in module name', () => ['new', 'http'], /^cannot name the app "http".*built-in/],
    ['a name over 214 characters', () => ['new', 'a'.repeat(215)], /at most 214 characters/],
    ['an invalid name in a nested path', () => ['new', 'deep/er/Bad'], /^cannot name the app "Bad"/],
    ['an unknown template', () => ['new', 'my-app', '--template', 'fancy'], /^unknown template "fancy" \(templates: minimal, sse\)$/],
    ['an unknown option', () => ['new', 'my-app', '--force'], /^unknown option --force/],
    ['a template without a name', () => ['new', 'my-app', '--template'], /^option --template needs a value/],
    ['a missing directory', () => ['new'], /^missing <dir>, the directory to create the app in/],
    ['an empty directory argument', () => ['new', ''], /^missing <dir>, the directory to create the app in/],
    ['a second directory', () => ['new', 'one', 'two'], /^unexpected argument "two"/],
    ['a missing command', () => [], /^missing command/],
    ['an unknown command', () => ['init', 'my-app'], /^unknown command "init"/],
    ['both --local and --registry', () => ['new', 'my-app', '--local', '--registry'], /^--local and --registry exclude each other/],
  ];

  it.each(cases)('%s: exit 1, one line on stderr, no change on disk', async (_, setup, reason) => {
    const cwd = temporaryDirectory();
    const argv = setup(cwd);
    const before = snapshot(cwd);

    const outcome = await runCli(argv, { cwd });

    expect(outcome.code).toBe(1);
    expect(outcome.stdout).toBe('');
    expect(outcome.stderr).toMatch(/^sluice: [^\r\n]+\n$/);
    expect(outcome.stderr.slice('sluice: '.length, -1)).toMatch(reason);
    expect(snapshot(cwd)).toEqual(before);
  });

  it('throws CliErrors with stable codes from the API', async () => {
    const cwd = temporaryDirectory();
    const codeOf = async (options: Parameters<typeof newApp>[0]): Promise<string> => {
      try {
        await newApp(options);
      } catch (error) {
        if (error instanceof CliError) return error.code;
        throw error;
      }
      throw new Error('newApp did not throw');
    };
    expect(await codeOf({ directory: 'Nope', cwd })).toBe(CliErrorCodes.InvalidName);
    expect(await codeOf({ directory: 'ok', template: 'nope', cwd })).toBe(CliErrorCodes.UnknownTemplate);
    writeFileSync(path.join(cwd, 'file'), '');
    expect(await codeOf({ directory: 'file', cwd })).toBe(CliErrorCodes.TargetNotEmpty);
    expect(snapshot(cwd)).toEqual({ file: '' });
  });
});

describe('sluice new: the app written', () => {
  const expectedFiles = {
    minimal: [
      '.dockerignore',
      '.gitignore',
      'Dockerfile',
      'README.md',
      'jest.config.js',
      'package.json',
      'src/HelloController.ts',
      'src/app.ts',
      'src/main.ts',
      'test/app.test.ts',
      'tsconfig.build.json',
      'tsconfig.json',
    ],
    sse: [
      '.dockerignore',
      '.gitignore',
      'Dockerfile',
      'README.md',
      'jest.config.js',
      'package.json',
      'public/index.html',
      'src/MessageBoard.ts',
      'src/MessagesController.ts',
      'src/app.ts',
      'src/main.ts',
      'test/app.test.ts',
      'tsconfig.build.json',
      'tsconfig.json',
    ],
  };

  it.each(templateNames)('%s: every template file, named after the directory, depending on the released packages', async (template) => {
    const cwd = temporaryDirectory();

    const outcome = await runCli(['new', 'my-app', '--template', template, '--registry'], { cwd });

    expect(outcome).toMatchObject({ code: 0, stderr: '' });
    expect(outcome.stdout).not.toContain('tarballs');
    const app = path.join(cwd, 'my-app');
    const files = snapshot(app);
    expect(Object.keys(files).filter((file) => !file.endsWith('/'))).toEqual(expectedFiles[template]);
    for (const [file, text] of Object.entries(files))
      expect({ file, placeholder: text.includes('__APP_NAME__') }).toEqual({ file, placeholder: false });
    expect(files['README.md']).toMatch(/^# my-app\n/);
    expect(files['README.md']).toContain('npm install && npm start');
    expect(files['README.md']).toContain('npm test');
    expect(files['src/main.ts']).toContain('my-app listening on');

    const manifest = readManifest(app);
    expect(manifest.name).toBe('my-app');
    expect(manifest.dependencies['@sluice/core']).toBe(`^${cliVersion}`);
    expect(manifest.dependencies['@sluice/sse']).toBe(`^${cliVersion}`);
    // start is one command, exec'd: a SIGTERM to npm reaches node, not only npm's shell.
    expect(manifest.scripts).toMatchObject({
      build: 'tsc -p tsconfig.build.json',
      prestart: 'npm run build',
      start: 'exec node --enable-source-maps dist/main.js',
      predev: 'npm run build',
    });
    expect(manifest.scripts.dev).toMatch(
      /^concurrently --raw --kill-others "tsc -p tsconfig.build.json --watch .*" "node --watch .*--enable-source-maps dist\/main.js --dev"$/,
    );
    expect(files['Dockerfile']).not.toContain('vendor');
    expect(manifest.scripts.test).toContain(
      'node --experimental-vm-modules --disable-warning=ExperimentalWarning node_modules/jest/bin/jest.js',
    );
    expect(existsSync(path.join(app, '.npmrc'))).toBe(false);
    expect(existsSync(path.join(app, 'vendor'))).toBe(false);
  });

  it('prints the next steps, with the directory to cd to', async () => {
    const cwd = temporaryDirectory();

    const outcome = await runCli(['new', 'apps/my-app', '--registry'], { cwd });

    expect(outcome.code).toBe(0);
    expect(outcome.stdout).toContain(`Created my-app (minimal template) in ${path.join(cwd, 'apps', 'my-app')}`);
    const steps = outcome.stdout
      .split('Next steps:\n')[1]!
      .split('\n')
      .map((line) => line.trim().split(/\s+#/)[0]);
    expect(steps.slice(0, 5)).toEqual(['cd apps/my-app', 'npm install', 'npm start', 'npm run dev', 'npm test']);
  });

  it('writes into an existing empty directory, including the current one (no cd then)', async () => {
    const cwd = temporaryDirectory();
    const here = path.join(cwd, 'here-app');
    mkdirSync(here);

    const outcome = await runCli(['new', '.', '--registry'], { cwd: here });

    expect(outcome.code).toBe(0);
    expect(outcome.stdout).not.toContain('cd ');
    expect(readManifest(here).name).toBe('here-app');
  });

  it('names the app after the last segment of a nested path, creating the parents', async () => {
    const cwd = temporaryDirectory();

    expect((await runCli(['new', 'a/b/deep-app', '--template', 'sse', '--registry'], { cwd })).code).toBe(0);

    expect(readManifest(path.join(cwd, 'a/b/deep-app')).name).toBe('deep-app');
  });

  it('--local: tarballs packed from this checkout in vendor/, file: dependencies on them, and says so', async () => {
    const cwd = temporaryDirectory();

    const outcome = await runCli(['new', 'local-app', '--template', 'sse', '--local'], { cwd });

    expect(outcome).toMatchObject({ code: 0, stderr: '' });
    const app = path.join(cwd, 'local-app');
    const { dependencies } = readManifest(app);
    for (const name of ['core', 'sse']) {
      const tarball = `vendor/sluice-${name}-${cliVersion}.tgz`;
      expect(dependencies[`@sluice/${name}`]).toBe(`file:${tarball}`);
      expect(readFileSync(path.join(app, tarball)).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b])); // gzip
      expect(outcome.stdout).toContain(tarball);
    }
    expect(outcome.stdout).toContain(
      `With --local, the app depends on tarballs packed from the Sluice checkout at ${path.resolve(repositoryRoot)}`,
    );
    expect(readFileSync(path.join(app, 'Dockerfile'), 'utf8')).toMatch(/^COPY vendor\/ \.\/vendor\/$/m);
    expect(existsSync(path.join(app, '.npmrc'))).toBe(false);
  }, 60_000);

  it('uses the same tool versions as this repository', () => {
    const root = readManifest(repositoryRoot);
    const core = JSON.parse(readFileSync(path.join(repositoryRoot, 'packages/core/package.json'), 'utf8')) as {
      peerDependencies: Record<string, string>;
    };
    for (const template of templateNames) {
      const manifest = readManifest(path.join(repositoryRoot, 'packages/cli/templates', template));
      for (const [name, range] of Object.entries(manifest.devDependencies))
        expect({ name, range }).toEqual({ name, range: root.devDependencies[name] });
      for (const name of ['inversify', 'reflect-metadata']) {
        expect({ name, range: manifest.dependencies[name] }).toEqual({ name, range: core.peerDependencies[name] });
      }
    }
  });
});

describe('where the Sluice packages come from', () => {
  const registryWith =
    (published: boolean): RegistryLookup =>
    () =>
      Promise.resolve(published ? { found: true, version: cliVersion } : { found: false, reason: 'E404' });
  const names = ['@sluice/core', '@sluice/sse'];
  const cliDirectory = path.join(repositoryRoot, 'packages', 'cli');

  it('the registry, when it has every package', async () => {
    const { origin, packed } = await resolveSluice({ source: 'auto', names, range: '^0.1.0', registry: registryWith(true), cliDirectory });
    expect(origin).toEqual({ kind: 'registry', range: '^0.1.0' });
    expect(packed).toEqual([]);
  });

  it("this checkout's packed tarballs, when the registry lacks one, with the registry's answer as the reason", async () => {
    const { origin, packed } = await resolveSluice({ source: 'auto', names, range: '^0.1.0', registry: registryWith(false), cliDirectory });
    expect(origin).toMatchObject({ kind: 'tarballs', reason: '@sluice/core@^0.1.0 is not on the npm registry (E404)' });
    expect(packed.map((tarball) => tarball.fileName)).toEqual([`sluice-core-${cliVersion}.tgz`, `sluice-sse-${cliVersion}.tgz`]);
  }, 60_000);

  it('an error, before anything is written, when the registry lacks them and the CLI is installed, not in a checkout', async () => {
    const installed = path.join(temporaryDirectory(), 'node_modules', '@sluice', 'cli');
    mkdirSync(installed, { recursive: true });
    const resolve = (source: 'auto' | 'local') =>
      resolveSluice({ source, names, range: '^0.1.0', registry: registryWith(false), cliDirectory: installed });
    await expect(resolve('auto')).rejects.toMatchObject({
      code: CliErrorCodes.SluiceUnavailable,
      message: expect.stringMatching(/--registry/),
    });
    await expect(resolve('local')).rejects.toMatchObject({ code: CliErrorCodes.NotInCheckout });
  });

  it('finds the checkout from the CLI directory, and none from an installed CLI or another workspace', () => {
    expect(findCheckout(cliDirectory)).toBe(path.resolve(repositoryRoot));
    const other = temporaryDirectory();
    writeFileSync(path.join(other, 'package.json'), JSON.stringify({ private: true, workspaces: ['apps/*'] }));
    mkdirSync(path.join(other, 'packages', 'cli'), { recursive: true });
    expect(findCheckout(path.join(other, 'packages', 'cli'))).toBeUndefined();
    expect(findCheckout(path.join(other, 'node_modules', '@sluice', 'cli'))).toBeUndefined();
  });
});
