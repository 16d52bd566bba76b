import { readdirSync, statSync } from 'node:fs';
import { CliError, CliErrorCodes } from './CliError.js';

/**
 * Checks that an app may be written to `directory` (an absolute path): it is
 * missing (it will be created, parents too) or an empty directory. Anything
 * else throws a {@link CliError}: a file, a directory with entries (hidden ones
 * count), a path through a file, a directory that cannot be read. `shown` is
 * the path as the user typed it, for the message.
 */
export function checkTargetDirectory(directory: string, shown: string = directory): void {
  let entries: string[];
  try {
    if (!statSync(directory).isDirectory()) throw new CliError(CliErrorCodes.TargetNotEmpty, `${shown} exists and is not a directory`);
    entries = readdirSync(directory);
  } catch (error) {
    if (error instanceof CliError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    if (code === 'ENOTDIR') throw new CliError(CliErrorCodes.TargetNotEmpty, `cannot create ${shown}: a part of its path is a file`);
    throw new CliError(CliErrorCodes.TargetNotEmpty, `cannot use ${shown}: ${(error as Error).message}`, { cause: error });
  }
  if (entries.length > 0) {
    const count = `${entries.length} ${entries.length === 1 ? 'entry' : 'entries'}`;
    throw new CliError(CliErrorCodes.TargetNotEmpty, `${shown} is not empty (${count}); choose a new or empty directory`);
  }
}
