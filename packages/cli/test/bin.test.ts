import { afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  buildProjects,
  removeTemporaryDirectories,
  repositoryRoot,
  runProcess,
  snapshot,
  temporaryDirectory,
  type ProcessOutcome,
} from './helpers.js';

const sluiceBin = path.join(repositoryRoot, 'packages/cli/bin/sluice.js');
const createSluiceBin = path.join(repositoryRoot, 'packages/create-sluice/bin.js');
const version = (JSON.parse(readFileSync(path.join(repositoryRoot, 'packages/cli/package.json'), 'utf8')) as { version: string }).version;

function node(script: string, args: string[], cwd: string): Promise<ProcessOutcome> {
  return runProcess(process.execPath, [script, ...args], { cwd, timeoutMs: 30_000 });
}

function expectOneLineFailure(outcome: ProcessOutcome, program: string, reason: RegExp): void {
  expect(outcome.code).toBe(1);
  expect(outcome.stdout).toBe('');
  expect(outcome.stderr).toMatch(new RegExp(`^${program}: [^\\r\\n]+\\n$`));
  expect(outcome.stderr.slice(program.length + 2, -1)).toMatch(reason);
}

beforeAll(() => buildProjects('packages/cli'), 120_000);
afterEach(removeTemporaryDirectories);

describe('the sluice bin (node packages/cli/bin/sluice.js)', () => {
  it('prints its version and its usage', async () => {
    const cwd = temporaryDirectory();
    expect(await node(sluiceBin, ['--version'], cwd)).toMatchObject({ code: 0, stdout: `${version}\n`, stderr: '' });
    const help = await node(sluiceBin, ['--help'], cwd);
    expect(help).toMatchObject({ code: 0, stderr: '' });
    expect(help.stdout).toMatch(/^Usage: sluice <command>/);
    const newHelp = await node(sluiceBin, ['new', '--help'], cwd);
    expect(newHelp.stdout).toMatch(/^Usage: sluice new <dir> \[--template minimal\|sse\] \[--local\|--registry\]\n/);
    expect(snapshot(cwd)).toEqual({});
  });

  it.each([
    [['new', 'Bad-Name'], /^cannot name the app "Bad-Name" after its directory: npm package names are lowercase$/],
    [['new', 'ok-app', '--template', 'nope'], /^unknown template "nope"/],
    [['new', 'ok-app', '--yes'], /^unknown option --yes/],
    [['new'], /^missing <dir>/],
  ])('refuses %j: exit 1, one line on stderr, nothing written', async (args, reason) => {
    const cwd = temporaryDirectory();

    expectOneLineFailure(await node(sluiceBin, args, cwd), 'sluice', reason);

    expect(snapshot(cwd)).toEqual({});
  });

  it('refuses a non-empty directory and leaves it as it was', async () => {
    const cwd = temporaryDirectory();
    await node(sluiceBin, ['new', 'taken', '--registry'], cwd);
    const before = snapshot(cwd);

    expectOneLineFailure(await node(sluiceBin, ['new', 'taken', '--template', 'sse'], cwd), 'sluice', /^taken is not empty/);

    expect(snapshot(cwd)).toEqual(before);
  });

  it('writes an app from any working directory, on tarballs of this checkout while the registry lacks @sluice/*, and says so', async () => {
    const cwd = temporaryDirectory();

    const outcome = await node(sluiceBin, ['new', 'my-app', '--template', 'sse'], cwd);

    expect(outcome).toMatchObject({ code: 0, stderr: '' });
    expect(outcome.stdout).toMatch(/Next steps:\n {2}cd my-app\n {2}npm install\n {2}npm start .*\n {2}npm run dev .*\n {2}npm test\n/);
    const manifest = JSON.parse(snapshot(cwd)['my-app/package.json']!) as { name: string; dependencies: Record<string, string> };
    expect(manifest.name).toBe('my-app');
    // This repository's packages are not published (yet): the app gets them from vendor/.
    expect(outcome.stdout).toMatch(
      /^@sluice\/core@\^[\d.]+ is not on the npm registry \(.+\), so the app depends on tarballs packed from the Sluice checkout/m,
    );
    expect(manifest.dependencies['@sluice/core']).toBe(`file:vendor/sluice-core-${version}.tgz`);
  }, 60_000);
});

describe('create-sluice (node packages/create-sluice/bin.js)', () => {
  it.each([
    [[], /^missing <dir>/],
    [['Bad'], /^cannot name the app "Bad"/],
    [['my-app', '--template', 'nope'], /^unknown template "nope"/],
  ])('refuses %j with one line on stderr, writing nothing', async (args, reason) => {
    const cwd = temporaryDirectory();

    expectOneLineFailure(await node(createSluiceBin, args, cwd), 'create-sluice', reason);

    expect(snapshot(cwd)).toEqual({});
  });

  it('is sluice new: writes the app, and its usage says npm create sluice', async () => {
    const cwd = temporaryDirectory();

    const outcome = await node(createSluiceBin, ['my-app', '--template', 'sse', '--registry'], cwd);

    expect(outcome).toMatchObject({ code: 0, stderr: '' });
    expect(Object.keys(snapshot(path.join(cwd, 'my-app')))).toContain('src/MessageBoard.ts');
    const help = await node(createSluiceBin, ['--help'], cwd);
    expect(help.stdout).toMatch(/^Usage: npm create sluice <dir> -- \[--template minimal\|sse\]/);
  });
});
