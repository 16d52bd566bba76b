#!/usr/bin/env node
// `npm run pack`: builds every publishable package of this repository (each packages/* whose
// package.json is not private) and writes its `npm pack` tarball to one folder, dist-packages/
// unless a path is given. `sluice new` imports packPackages() to vendor them into an app.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root: this file is scripts/pack.js in it. */
export const repositoryRoot = fileURLToPath(new URL('..', import.meta.url));

/** The packages `npm run pack` packs, in directory order: `{ name, version, directory }`. */
export function publishablePackages(root = repositoryRoot) {
  const packagesDirectory = path.join(root, 'packages');
  return readdirSync(packagesDirectory, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(path.join(packagesDirectory, entry.name, 'package.json')))
    .map((entry) => {
      const directory = path.join(packagesDirectory, entry.name);
      const manifest = JSON.parse(readFileSync(path.join(directory, 'package.json'), 'utf8'));
      return { name: manifest.name, version: manifest.version, private: manifest.private === true, directory };
    })
    .filter((pkg) => !pkg.private)
    .map(({ name, version, directory }) => ({ name, version, directory }));
}

/**
 * Builds the publishable packages (`tsc -b` over those with a tsconfig.json), empties
 * `destination` of tarballs and packs each package into it. Resolves to
 * `[{ name, version, file }]`, `file` the tarball's absolute path. Throws with the
 * tool's output when the build or `npm pack` fails. `log` receives progress lines.
 */
export function packPackages({ root = repositoryRoot, destination = path.join(root, 'dist-packages'), log = () => {} } = {}) {
  const packages = publishablePackages(root);
  const buildable = packages.filter((pkg) => existsSync(path.join(pkg.directory, 'tsconfig.json')));
  const tsc = createRequire(path.join(root, 'package.json')).resolve('typescript/bin/tsc');
  log(`building ${buildable.map((pkg) => pkg.name).join(', ')}`);
  check('tsc -b', spawnSync(process.execPath, [tsc, '-b', ...buildable.map((pkg) => pkg.directory)], { cwd: root, encoding: 'utf8' }));

  mkdirSync(destination, { recursive: true });
  for (const file of readdirSync(destination)) if (file.endsWith('.tgz')) rmSync(path.join(destination, file));

  log(`packing ${packages.map((pkg) => `${pkg.name}@${pkg.version}`).join(', ')} into ${destination}`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const packed = check(
    'npm pack',
    spawnSync(npm, ['pack', '--json', '--pack-destination', destination, ...packages.map((pkg) => pkg.directory)], {
      cwd: root,
      encoding: 'utf8',
      shell: process.platform === 'win32',
      env: withoutNpmScriptEnvironment(process.env),
    }),
  );
  const reports = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('[')));
  return reports.map((report) => ({ name: report.name, version: report.version, file: path.join(destination, report.filename) }));
}

/** `npm run` sets npm_config_* and friends; a nested npm must not inherit them (prefix, workspace). */
function withoutNpmScriptEnvironment(env) {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !/^npm_/i.test(name) && name !== 'INIT_CWD'));
}

function check(what, outcome) {
  if (outcome.error) throw new Error(`${what} could not run: ${outcome.error.message}`);
  if (outcome.status !== 0) {
    throw new Error(`${what} failed (exit ${outcome.status ?? outcome.signal}):\n${outcome.stdout ?? ''}${outcome.stderr ?? ''}`.trimEnd());
  }
  return outcome;
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const destination = process.argv[2] === undefined ? undefined : path.resolve(process.argv[2]);
  try {
    const tarballs = packPackages({ destination, log: (line) => console.log(line) });
    for (const tarball of tarballs) console.log(`  ${tarball.name}@${tarball.version}  ${path.relative(process.cwd(), tarball.file)}`);
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  }
}
