import { isBuiltin } from 'node:module';

/** Longest package name the npm registry accepts. */
export const maxPackageNameLength = 214;

/** Names npm reserves. */
const reservedNames = new Set(['node_modules', 'favicon.ico']);

/**
 * Checks `name` against npm's rules for a new package's name and returns what
 * is wrong with it, or `undefined` when npm would accept it. The rules: not
 * empty, at most 214 characters, no leading `.` or `_`, no surrounding spaces,
 * lowercase, none of `~'!()*`, URL-safe (a scope's `@` and `/` aside), not a
 * Node.js built-in module's name nor a reserved one.
 *
 * ```ts
 * packageNameProblem('my-app'); // undefined
 * packageNameProblem('My-App'); // 'npm package names are lowercase'
 * ```
 */
export function packageNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'a package name cannot be empty';
  if (name.length > maxPackageNameLength)
    return `npm package names are at most ${maxPackageNameLength} characters (this one has ${name.length})`;
  if (name.trim() !== name) return 'npm package names cannot start or end with a space';
  if (name.startsWith('.')) return 'npm package names cannot start with a dot';
  if (name.startsWith('_')) return 'npm package names cannot start with an underscore';
  if (name.toLowerCase() !== name) return 'npm package names are lowercase';
  if (reservedNames.has(name)) return `"${name}" is reserved by npm`;
  if (isBuiltin(name)) return `"${name}" is the name of a Node.js built-in module`;

  const scoped = /^@([^/]+)\/([^/]+)$/.exec(name);
  const parts = scoped ? [scoped[1]!, scoped[2]!] : [name];
  if (!scoped && name.startsWith('@')) return 'a scoped package name has the form @scope/name';
  for (const part of parts) {
    if (part.startsWith('.') || part.startsWith('_')) return 'npm package names cannot start with a dot or an underscore';
    if (/[~'!()*]/.test(part)) return "npm package names cannot contain any of ~'!()*";
    if (encodeURIComponent(part) !== part) return 'npm package names may hold only URL-safe characters (letters, digits, - . _)';
  }
  return undefined;
}
