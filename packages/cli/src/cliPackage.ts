import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The directory of the `@sluice/cli` package itself: `packages/cli` in the
 * repository, `node_modules/@sluice/cli` once installed. This module sits one
 * level below it, in `dist/` (or `src/` when run from sources).
 */
export const cliPackageDirectory = fileURLToPath(new URL('..', import.meta.url));

/** Where the app templates live: one directory per template. */
export const templatesDirectory = path.join(cliPackageDirectory, 'templates');

/** The version of `@sluice/cli`, which is also the version of the Sluice packages an app gets. */
export const cliVersion: string = (JSON.parse(readFileSync(path.join(cliPackageDirectory, 'package.json'), 'utf8')) as { version: string })
  .version;
