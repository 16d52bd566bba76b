import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// The soak's scenarios at small sizes (`node soak/run.mjs --short`), run once; each test below
// checks one scenario's figures. The soak's server runs the workspace's built packages, so this
// needs `tsc -b` first (`npm test` does it).
const root = fileURLToPath(new URL('../../', import.meta.url));

interface Row {
  scenario: string;
  figure: string;
  value: string;
  baseline: string;
  ok?: boolean;
}

let rows: Row[] = [];
let output = '';
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'sluice-soak-'));
  const json = path.join(dir, 'soak.json');
  const child = spawn(process.execPath, [path.join(root, 'soak', 'run.mjs'), '--short', '--json', json], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 100_000);
  await new Promise((resolve) => child.once('exit', resolve));
  clearTimeout(timer);
  rows = (JSON.parse(readFileSync(json, 'utf8')) as { rows: Row[] }).rows;
}, 110_000);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** The failed checks of one scenario, as readable lines (an empty list when all hold). */
function failures(scenario: string): string[] {
  const mine = rows.filter((row) => row.scenario.startsWith(`${scenario}.`));
  if (mine.length === 0) return [`no figures for scenario ${scenario}; the run said:\n${output.slice(-2000)}`];
  return mine.filter((row) => row.ok === false).map((row) => `${row.figure}: ${row.value} (expected ${row.baseline || 'to hold'})`);
}

describe('soak, short', () => {
  it('a. many streams get every broadcast event in order, and the registry empties when they leave', () => {
    expect(failures('a')).toEqual([]);
  });

  it('b. connect/disconnect cycles with replacements and half-closes leave nothing behind', () => {
    expect(failures('b')).toEqual([]);
  });

  it('c. a client that never reads is dropped, and every reader gets every event, burst or paced', () => {
    expect(failures('c')).toEqual([]);
  });

  it('d. slowloris heads and bodies are cut at their timeouts while the server keeps answering', () => {
    expect(failures('d')).toEqual([]);
  });

  it('e. host.stop() during a heavy broadcast tells every stream, with nothing missing before it', () => {
    expect(failures('e')).toEqual([]);
  });

  it('f. a throwing registry listener or withPing callback does not kill the server', () => {
    expect(failures('f')).toEqual([]);
  });

  it('g. an event sent before the handler throws still reaches every client', () => {
    expect(failures('g')).toEqual([]);
  });
});
