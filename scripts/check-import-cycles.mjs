// Fails (exit 1) when a package's sources import each other in a cycle. Type-only
// imports count: a cycle of types still ties two modules' changes together.
// Runs as part of `npm run lint`. Folder layering inside @sluice/core (which folder
// may import which) is checked by eslint, see eslint.config.js.
import { readdirSync } from 'node:fs';
import { globFiles, parseCircular, parseDependencyTree, prettyCircular, uniqueCirculars } from 'dpdm';

// Every package: a new one is checked without anyone remembering to add it.
const packages = readdirSync('packages', { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

const files = (await Promise.all(packages.map((name) => globFiles(`packages/${name}/src/**/*.ts`, process.cwd())))).flat();
const tree = await parseDependencyTree(files, { context: process.cwd(), transform: false, skipDynamicImports: false });
const cycles = uniqueCirculars(parseCircular(tree));
if (cycles.length > 0) {
  console.error(`Import cycles in ${packages.map((name) => `packages/${name}/src`).join(', ')}:\n${prettyCircular(cycles)}`);
  process.exit(1);
}
console.log(`No import cycles in ${files.length} source files.`);
