// Loads the CLI and runs it. Plain JavaScript, so that it exists as soon as npm links the
// `sluice` bin: in a clone of the Sluice repository that is `npm ci`, before any build, and
// there it first brings the CLI's dist/ up to date (`tsc -b packages/cli`, a quick check when
// nothing changed). An installed @sluice/cli ships its dist/ and loads it directly.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const cliDirectory = fileURLToPath(new URL('..', import.meta.url));

/**
 * The root of the Sluice checkout the CLI at `cliDirectory` belongs to (it is `packages/cli`
 * there, under a package.json with npm workspaces over `packages/*`), or undefined when it
 * runs from an installed package.
 */
export function checkoutRootOf(directory = cliDirectory) {
  const packagesDirectory = path.dirname(path.resolve(directory));
  if (path.basename(packagesDirectory) !== 'packages') return undefined;
  const root = path.dirname(packagesDirectory);
  try {
    const workspaces = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).workspaces;
    return Array.isArray(workspaces) && workspaces.includes('packages/*') ? root : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Runs `sluice` with `argv` (`run` of @sluice/cli, with the same options) and resolves to its
 * exit code. From a checkout, a failed build of the CLI is reported and gives 1.
 */
export async function launch(argv, options = {}) {
  const root = checkoutRootOf();
  if (root !== undefined && existsSync(path.join(cliDirectory, 'tsconfig.json'))) {
    const tsc = createRequire(path.join(root, 'package.json')).resolve('typescript/bin/tsc');
    const build = spawnSync(process.execPath, [tsc, '-b', cliDirectory], { cwd: root, encoding: 'utf8' });
    if (build.status !== 0) {
      const stderr = options.stderr ?? process.stderr;
      stderr.write(`${build.stdout ?? ''}${build.stderr ?? ''}${build.error?.message ?? ''}`);
      stderr.write(`${options.programName ?? 'sluice'}: could not build the CLI in ${cliDirectory} (tsc -b failed, above)\n`);
      return 1;
    }
  }
  const { run } = await import('../dist/index.js');
  return run(argv, options);
}
