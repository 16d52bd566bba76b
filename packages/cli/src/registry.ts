import { execFile } from 'node:child_process';

/** What the registry said about a package range: its newest matching version, or why there is none. */
export type RegistryAnswer = { readonly found: true; readonly version: string } | { readonly found: false; readonly reason: string };

/** Asks the registry for packages; {@link npmView} in the CLI, a stub in tests. */
export type RegistryLookup = (name: string, range: string) => Promise<RegistryAnswer>;

/**
 * `npm view <name>@<range> version`, with a timeout: the newest version of `name` in
 * `range` on the registry npm is configured with, or the reason there is none (not
 * published, no version in the range, the registry unreachable). Never rejects.
 */
export function npmView(name: string, range: string, timeoutMs = 15_000): Promise<RegistryAnswer> {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  return new Promise((resolve) => {
    execFile(
      npm,
      ['view', `${name}@${range}`, 'version', '--json'],
      { timeout: timeoutMs, shell: process.platform === 'win32' },
      (error, stdout, stderr) => {
        if (error !== null) {
          const timedOut = error.killed === true || (error as NodeJS.ErrnoException).code === 'ETIMEDOUT';
          const code = /\b(E\d{3}|E[A-Z]+)\b/.exec(`${stdout}${stderr}`)?.[1];
          resolve({ found: false, reason: timedOut ? `no answer within ${timeoutMs / 1000} s` : (code ?? error.message.split('\n')[0]!) });
          return;
        }
        const versions: unknown = stdout.trim() === '' ? [] : JSON.parse(stdout);
        const list = Array.isArray(versions) ? versions : [versions];
        const newest = list.at(-1);
        resolve(typeof newest === 'string' ? { found: true, version: newest } : { found: false, reason: `no version in ${range}` });
      },
    );
  });
}
