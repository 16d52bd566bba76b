import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { renderManifest, sluicePackagesOf, type SluiceDependencies } from './appManifest.js';
import { CliError, CliErrorCodes } from './CliError.js';
import { cliVersion } from './cliPackage.js';
import { findLocalPackages } from './localPackages.js';
import { packageNameProblem } from './packageName.js';
import { checkTargetDirectory } from './targetDirectory.js';
import { checkTemplateName, defaultTemplate, readTemplate, renderText, type TemplateFile, type TemplateName } from './templates.js';

/** What {@link newApp} writes. */
export interface NewAppOptions {
  /** Where the app goes: a missing or empty directory. Its last segment is the app's package name. */
  readonly directory: string;
  /** `minimal` (the default) or `sse`. */
  readonly template?: string;
  /**
   * Depend on the Sluice repository's own packages (`file:` dependencies and an
   * `.npmrc` with `install-links=true`) instead of the registry's. Only from a
   * clone of the repository, after `npx tsc -b`.
   */
  readonly local?: boolean;
  /** What a relative `directory` is relative to. Default: `process.cwd()`. */
  readonly cwd?: string;
}

/** What {@link newApp} wrote. */
export interface NewAppResult {
  /** The app's absolute directory. */
  readonly directory: string;
  /** Its package name (the directory's name). */
  readonly name: string;
  readonly template: TemplateName;
  readonly local: boolean;
  /** The files written, relative to `directory`, `/`-separated, sorted. */
  readonly files: readonly string[];
}

const localNpmrc = `# Written by \`sluice new --local\`: the file: dependencies on the Sluice repository's packages
# install as packed copies, as from the registry, not as symlinks, so that the app and
# @sluice/core load one and the same copy of inversify and reflect-metadata.
install-links=true
`;

/**
 * Writes a new Sluice app from a template. Everything is checked before the
 * first write (template, name, target directory, local packages) and the files
 * are rendered in memory first, so a {@link CliError} leaves the disk untouched.
 *
 * ```ts
 * const app = await newApp({ directory: 'my-app', template: 'sse' });
 * console.log(app.files); // ['.gitignore', 'README.md', 'jest.config.js', 'package.json', ...]
 * ```
 */
export async function newApp(options: NewAppOptions): Promise<NewAppResult> {
  const { files, ...result } = planApp(options);
  await mkdir(result.directory, { recursive: true });
  for (const file of files) {
    const target = path.join(result.directory, ...file.path.split('/'));
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, file.text, { flag: 'wx' }); // never overwrite: the directory was empty
  }
  return { ...result, files: files.map((file) => file.path) };
}

/** Checks the options and renders every file of the app, without writing anything. */
function planApp(options: NewAppOptions): Omit<NewAppResult, 'files'> & { files: TemplateFile[] } {
  if (options.directory.trim() === '') throw new CliError(CliErrorCodes.Usage, 'the app directory cannot be empty');
  const template = checkTemplateName(options.template ?? defaultTemplate);
  const directory = path.resolve(options.cwd ?? process.cwd(), options.directory);
  const name = path.basename(directory);
  const problem = packageNameProblem(name);
  if (problem !== undefined) {
    throw new CliError(CliErrorCodes.InvalidName, `cannot name the app "${name}" after its directory: ${problem}`);
  }
  checkTargetDirectory(directory, options.directory);

  const templateFiles = readTemplate(template);
  const manifest = templateFiles.find((file) => file.path === 'package.json');
  if (manifest === undefined) throw new Error(`template ${template} has no package.json`);
  const local = options.local === true;
  const sluice: SluiceDependencies = local
    ? { kind: 'local', directories: findLocalPackages(sluicePackagesOf(manifest.text)) }
    : { kind: 'registry', range: `^${cliVersion}` };

  const files = templateFiles.map((file) => ({
    path: file.path,
    text: file === manifest ? renderManifest(file.text, name, sluice) : renderText(file.text, name),
  }));
  if (local) files.push({ path: '.npmrc', text: localNpmrc });
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { directory, name, template, local, files };
}
