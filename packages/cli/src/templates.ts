import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CliError, CliErrorCodes } from './CliError.js';
import { templatesDirectory } from './cliPackage.js';

/** The templates `sluice new` can write, with what each gives. */
export const templates = {
  minimal: 'a controller with a JSON route and an event stream',
  sse: 'a live message board: a service broadcasts to /sse streams',
} as const;

export type TemplateName = keyof typeof templates;

/** The template used when none is named. */
export const defaultTemplate: TemplateName = 'minimal';

/** The template names, in the order usage lists them. */
export const templateNames = Object.keys(templates) as TemplateName[];

/** One file of a template: where it goes in the app, and its text. */
export interface TemplateFile {
  /** Relative path in the app, with `/` separators and the file's final name (`.gitignore`). */
  readonly path: string;
  readonly text: string;
}

/**
 * Files stored under another name because npm leaves them out of a published
 * package or treats them as its own (npm drops `.gitignore` files when it packs),
 * and dotfiles generally, so that no packing tool mistakes them for its own.
 */
const renamedOnWrite: Readonly<Record<string, string>> = { _gitignore: '.gitignore', _dockerignore: '.dockerignore' };

/** The placeholder replaced with the app's name in every template file. */
export const appNamePlaceholder = '__APP_NAME__';

/** Narrows `name` to a template name, or throws a {@link CliError} listing the templates. */
export function checkTemplateName(name: string): TemplateName {
  if (Object.prototype.hasOwnProperty.call(templates, name)) return name as TemplateName;
  throw new CliError(CliErrorCodes.UnknownTemplate, `unknown template "${name}" (templates: ${templateNames.join(', ')})`);
}

/** Reads every file of a template, sorted by path, with its final name and unrendered text. */
export function readTemplate(name: TemplateName): TemplateFile[] {
  const root = path.join(templatesDirectory, name);
  const files: TemplateFile[] = [];
  const walk = (relative: string): void => {
    for (const entry of readdirSync(path.join(root, relative), { withFileTypes: true })) {
      const child = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile()) {
        const finalName = renamedOnWrite[entry.name] ?? entry.name;
        const target = relative === '' ? finalName : `${relative}/${finalName}`;
        files.push({ path: target, text: readFileSync(path.join(root, relative, entry.name), 'utf8') });
      }
    }
  };
  walk('');
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * Marks a line kept only when the app depends on tarballs in `vendor/` (the Dockerfile
 * copies them before `npm ci`): `__IF_VENDOR__ COPY vendor/ ./vendor/`.
 */
export const vendorLineMarker = '__IF_VENDOR__ ';

/** Renders a template file's text: the app's name for its placeholder, and the vendor-only lines kept or dropped. */
export function renderText(text: string, appName: string, { vendor = false }: { vendor?: boolean } = {}): string {
  const lines = text
    .split('\n')
    .filter((line) => vendor || !line.startsWith(vendorLineMarker))
    .map((line) => (line.startsWith(vendorLineMarker) ? line.slice(vendorLineMarker.length) : line));
  return lines.join('\n').replaceAll(appNamePlaceholder, appName);
}
