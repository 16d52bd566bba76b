import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { renderManifest, sluicePackagesOf } from './appManifest.js';
import { CliError, CliErrorCodes } from './CliError.js';
import { cliPackageDirectory, cliVersion } from './cliPackage.js';
import { packageNameProblem } from './packageName.js';
import { npmView, type RegistryLookup } from './registry.js';
import { resolveSluice, type SluiceOrigin, type SluiceSource } from './sluiceSource.js';
import { checkTargetDirectory } from './targetDirectory.js';
import { checkTemplateName, defaultTemplate, readTemplate, renderText, type TemplateName } from './templates.js';

/** What {@link newApp} writes. */
export interface NewAppOptions {
  /** Where the app goes: a missing or empty directory. Its last segment is the app's package name. */
  readonly directory: string;
  /** `minimal` (the default) or `sse`. */
  readonly template?: string;
  /**
   * Where the app's `@sluice/*` packages come from. `auto` (the default): the registry when
   * it has them, else tarballs packed from the Sluice checkout this CLI runs from, copied into
   * the app's `vendor/`. `registry`: the registry, unchecked. `local`: the checkout's tarballs.
   */
  readonly source?: SluiceSource;
  /** What a relative `directory` is relative to. Default: `process.cwd()`. */
  readonly cwd?: string;
  /** How `auto` asks the registry. Default: `npm view` with a 15 s timeout. */
  readonly registry?: RegistryLookup;
}

/** What {@link newApp} wrote. */
export interface NewAppResult {
  /** The app's absolute directory. */
  readonly directory: string;
  /** Its package name (the directory's name). */
  readonly name: string;
  readonly template: TemplateName;
  /** Where its `@sluice/*` packages come from. */
  readonly sluice: SluiceOrigin;
  /** The files written, relative to `directory`, `/`-separated, sorted. */
  readonly files: readonly string[];
}

/** A file to write: text, or the bytes of a tarball. */
interface AppFile {
  readonly path: string;
  readonly content: string | Buffer;
}

/**
 * Writes a new Sluice app from a template. Everything is checked before the
 * first write (template, name, target directory, where Sluice comes from) and the
 * files are rendered in memory first, so a {@link CliError} leaves the disk untouched.
 *
 * ```ts
 * const app = await newApp({ directory: 'my-app', template: 'sse' });
 * console.log(app.files); // ['.dockerignore', '.gitignore', 'Dockerfile', 'README.md', ...]
 * ```
 */
export async function newApp(options: NewAppOptions): Promise<NewAppResult> {
  const { files, ...result } = await planApp(options);
  await mkdir(result.directory, { recursive: true });
  for (const file of files) {
    const target = path.join(result.directory, ...file.path.split('/'));
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, file.content, { flag: 'wx' }); // never overwrite: the directory was empty
  }
  return { ...result, files: files.map((file) => file.path) };
}

/** Checks the options and renders every file of the app, without writing anything. */
async function planApp(options: NewAppOptions): Promise<Omit<NewAppResult, 'files'> & { files: AppFile[] }> {
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
  const { origin, packed } = await resolveSluice({
    source: options.source ?? 'auto',
    names: sluicePackagesOf(manifest.text),
    range: `^${cliVersion}`,
    registry: options.registry ?? npmView,
    cliDirectory: cliPackageDirectory,
  });
  // The target was empty a moment ago; packing takes seconds, so look again before writing.
  checkTargetDirectory(directory, options.directory);

  const vendor = origin.kind === 'tarballs';
  const files: AppFile[] = templateFiles.map((file) => ({
    path: file.path,
    content: file === manifest ? renderManifest(file.text, name, origin) : renderText(file.text, name, { vendor }),
  }));
  if (origin.kind === 'tarballs') {
    for (const tarball of packed) files.push({ path: origin.tarballs[tarball.name]!, content: tarball.content });
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { directory, name, template, sluice: origin, files };
}
