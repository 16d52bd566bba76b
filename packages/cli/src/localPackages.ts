import { existsSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { CliError, CliErrorCodes } from './CliError.js';
import { cliPackageDirectory } from './cliPackage.js';

/**
 * For `--local`: finds the Sluice repository this CLI runs from (it is
 * `packages/cli` of a clone: the packages sit beside it) and the built
 * directories of the `@sluice/*` packages an app needs, e.g.
 * `{ '@sluice/core': '/src/sluice/packages/core' }`.
 *
 * Throws a {@link CliError} when the CLI does not run from a clone (an installed
 * `@sluice/cli` has no repository to point at) or a package is missing or not
 * built (`npx tsc -b` at the repository's root builds them).
 */
export function findLocalPackages(packageNames: readonly string[], cliDirectory: string = cliPackageDirectory): Record<string, string> {
  const cli = realpathSync(cliDirectory);
  const packagesDirectory = path.dirname(cli);
  const repository = path.dirname(packagesDirectory);
  if (path.basename(packagesDirectory) !== 'packages' || !isSluiceWorkspace(repository)) {
    throw new CliError(
      CliErrorCodes.LocalPackagesMissing,
      `--local works only from a clone of the Sluice repository, and this sluice runs from ${cli}`,
    );
  }

  const directories: Record<string, string> = {};
  for (const name of packageNames) {
    const directory = path.join(packagesDirectory, name.replace(/^@sluice\//, ''));
    const manifest = readJson(path.join(directory, 'package.json'));
    if (manifest?.name !== name) {
      throw new CliError(CliErrorCodes.LocalPackagesMissing, `--local: ${name} is not in ${directory} (no package.json naming it)`);
    }
    if (!existsSync(path.join(directory, 'dist', 'index.js')) || !existsSync(path.join(directory, 'dist', 'index.d.ts'))) {
      throw new CliError(
        CliErrorCodes.LocalPackagesMissing,
        `--local: ${name} is not built (no ${path.join(directory, 'dist', 'index.js')}); run "npx tsc -b" in ${repository} first`,
      );
    }
    directories[name] = directory;
  }
  return directories;
}

/** The repository root: a package.json with npm workspaces over `packages/*`. */
function isSluiceWorkspace(directory: string): boolean {
  const workspaces = readJson(path.join(directory, 'package.json'))?.workspaces;
  return Array.isArray(workspaces) && workspaces.includes('packages/*');
}

function readJson(file: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
