/** The fields of a package.json this module reads or sets; the rest is kept as is. */
interface Manifest {
  name?: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  [field: string]: unknown;
}

/** How the app depends on the Sluice packages. */
export type SluiceDependencies =
  /** From the registry, at this version range (e.g. `^0.1.0`). */
  | { readonly kind: 'registry'; readonly range: string }
  /** From tarballs in the app: `@sluice/core` → `file:<tarballs['@sluice/core']>` (`vendor/sluice-core-0.1.0.tgz`). */
  | { readonly kind: 'tarballs'; readonly tarballs: Readonly<Record<string, string>> };

/** The `@sluice/*` packages a template's package.json depends on. */
export function sluicePackagesOf(manifestText: string): string[] {
  const manifest = JSON.parse(manifestText) as Manifest;
  return Object.keys({ ...manifest.dependencies, ...manifest.devDependencies }).filter((name) => name.startsWith('@sluice/'));
}

/**
 * Turns a template's package.json into the app's: the app's name, and every
 * `@sluice/*` dependency pointed at the registry range or a tarball in the app.
 * Key order is kept, so the file reads as the template does.
 */
export function renderManifest(manifestText: string, appName: string, sluice: SluiceDependencies): string {
  const manifest = JSON.parse(manifestText) as Manifest;
  manifest.name = appName;
  for (const group of [manifest.dependencies, manifest.devDependencies]) {
    if (group === undefined) continue;
    for (const dependency of Object.keys(group)) {
      if (!dependency.startsWith('@sluice/')) continue;
      if (sluice.kind === 'registry') group[dependency] = sluice.range;
      else {
        const tarball = sluice.tarballs[dependency];
        if (tarball === undefined) throw new Error(`no tarball given for ${dependency}`);
        group[dependency] = `file:${tarball}`;
      }
    }
  }
  return `${JSON.stringify(manifest, null, 2)}\n`;
}
