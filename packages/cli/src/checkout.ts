import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CliError, CliErrorCodes } from './CliError.js';
import { cliPackageDirectory } from './cliPackage.js';

/** A package tarball to copy into an app. */
export interface PackedPackage {
  readonly name: string;
  readonly version: string;
  /** The tarball's file name (`sluice-core-0.1.0.tgz`). */
  readonly fileName: string;
  readonly content: Buffer;
}

/**
 * The root of the Sluice checkout this CLI runs from (it is `packages/cli` there, under a
 * package.json with npm workspaces over `packages/*`), or undefined for an installed CLI.
 */
export function findCheckout(cliDirectory: string = cliPackageDirectory): string | undefined {
  const packagesDirectory = path.dirname(path.resolve(cliDirectory));
  if (path.basename(packagesDirectory) !== 'packages') return undefined;
  const root = path.dirname(packagesDirectory);
  try {
    const { workspaces } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { workspaces?: unknown };
    return Array.isArray(workspaces) && workspaces.includes('packages/*') ? root : undefined;
  } catch {
    return undefined;
  }
}

/** The shape of the checkout's `scripts/pack.js`, which `npm run pack` runs. */
interface PackScript {
  packPackages(options: { root: string; destination: string }): Array<{ name: string; version: string; file: string }>;
}

/**
 * Builds and packs the checkout's packages (what `npm run pack` does, into a temporary
 * folder) and returns the tarballs of `names`. Throws a {@link CliError} when a package
 * is not in the checkout or the build fails.
 */
export async function packFromCheckout(root: string, names: readonly string[]): Promise<PackedPackage[]> {
  const script = path.join(root, 'scripts', 'pack.js');
  let packScript: PackScript;
  try {
    packScript = (await import(pathToFileURL(script).href)) as PackScript;
  } catch (error) {
    throw new CliError(CliErrorCodes.CheckoutPackagesMissing, `cannot load ${script} to pack the Sluice packages: ${String(error)}`, {
      cause: error,
    });
  }
  const destination = mkdtempSync(path.join(os.tmpdir(), 'sluice-pack-'));
  try {
    let packed: ReturnType<PackScript['packPackages']>;
    try {
      packed = packScript.packPackages({ root, destination });
    } catch (error) {
      const firstLine = (error as Error).message.split('\n')[0];
      throw new CliError(CliErrorCodes.CheckoutPackagesMissing, `cannot pack the Sluice packages in ${root}: ${firstLine}`, {
        cause: error,
      });
    }
    return names.map((name) => {
      const tarball = packed.find((candidate) => candidate.name === name);
      if (tarball === undefined)
        throw new CliError(CliErrorCodes.CheckoutPackagesMissing, `${name} is not a package of the checkout ${root}`);
      return { name, version: tarball.version, fileName: path.basename(tarball.file), content: readFileSync(tarball.file) };
    });
  } finally {
    rmSync(destination, { recursive: true, force: true });
  }
}
