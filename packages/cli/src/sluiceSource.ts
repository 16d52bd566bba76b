import { CliError, CliErrorCodes } from './CliError.js';
import { findCheckout, packFromCheckout, type PackedPackage } from './checkout.js';
import type { RegistryLookup } from './registry.js';

/**
 * Where an app's `@sluice/*` packages come from:
 * - `auto` (the default): the registry when it has them, else tarballs packed from the
 *   checkout the CLI runs from;
 * - `registry`: the registry, unchecked;
 * - `local`: tarballs packed from the checkout, even when the registry has them.
 */
export type SluiceSource = 'auto' | 'registry' | 'local';

/** The folder of the app that holds the packed tarballs. */
export const vendorDirectory = 'vendor';

/** How the app got its `@sluice/*` packages. */
export type SluiceOrigin =
  | { readonly kind: 'registry'; readonly range: string }
  | {
      readonly kind: 'tarballs';
      /** The checkout they were packed from. */
      readonly checkout: string;
      /** Why not the registry: `--local`, or what the registry said. */
      readonly reason: string;
      /** Their paths in the app, `vendor/sluice-core-0.1.0.tgz`, by package name. */
      readonly tarballs: Readonly<Record<string, string>>;
    };

/**
 * Decides where the `names` packages come from, asking the registry for `range` (in `auto`)
 * and packing the checkout when needed. Writes nothing to the app; the tarballs to write
 * come back in `packed`. Throws a {@link CliError} when neither the registry nor a checkout
 * can provide them, so that no app is written that cannot install.
 */
export async function resolveSluice(options: {
  source: SluiceSource;
  names: readonly string[];
  range: string;
  registry: RegistryLookup;
  cliDirectory: string;
}): Promise<{ origin: SluiceOrigin; packed: PackedPackage[] }> {
  const { source, names, range } = options;
  const fromRegistry = { origin: { kind: 'registry', range } as const, packed: [] };
  if (source === 'registry') return fromRegistry;

  const checkout = findCheckout(options.cliDirectory);
  let reason: string;
  if (source === 'local') {
    if (checkout === undefined) {
      throw new CliError(
        CliErrorCodes.NotInCheckout,
        `--local works only from a checkout of the Sluice repository, and this sluice runs from ${options.cliDirectory}`,
      );
    }
    reason = '--local';
  } else {
    const answers = await Promise.all(names.map((name) => options.registry(name, range)));
    const missing = names.findIndex((_, index) => !answers[index]!.found);
    if (missing === -1) return fromRegistry;
    const answer = answers[missing]!;
    reason = `${names[missing]}@${range} is not on the npm registry (${answer.found ? '' : answer.reason})`;
    if (checkout === undefined) {
      throw new CliError(
        CliErrorCodes.SluiceUnavailable,
        `${reason}, and this sluice does not run from a checkout of the Sluice repository to pack it from: run sluice new from a clone (after npm ci), or pass --registry to depend on the registry anyway`,
      );
    }
  }
  const packed = await packFromCheckout(checkout, names);
  const tarballs = Object.fromEntries(packed.map((tarball) => [tarball.name, `${vendorDirectory}/${tarball.fileName}`]));
  return { origin: { kind: 'tarballs', checkout, reason, tarballs }, packed };
}
