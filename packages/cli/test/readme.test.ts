import { afterAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { RawConnection } from '../../../test/support/raw.js';
import { eventsIn, openStream, ScriptProcess, waitUntilGone } from './appProcess.js';
import { expectSuccess, removeTemporaryDirectories, repositoryRoot, runProcess, temporaryDirectory } from './helpers.js';

/**
 * What the README's "Your own app" says, done on a fresh clone: this repository's files
 * (tracked, and new ones git does not ignore: the tree as it would be committed) copied to
 * a temporary directory, then the README's commands, verbatim, through sh. Offline from
 * Sluice's side: the app gets its @sluice/* from tarballs packed in the clone; only
 * third-party packages come from the registry (or npm's cache).
 */

const minutes = 60_000;

/** The commands of the README's first sh block under "## Your own app", without their comments. */
function readmeCommands(): string[] {
  const readme = readFileSync(path.join(repositoryRoot, 'README.md'), 'utf8');
  const section = readme.split(/^## Your own app$/m)[1]!.split(/^## /m)[0]!;
  const block = /```sh\n([\s\S]*?)```/.exec(section)![1]!;
  return block
    .split('\n')
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter((line) => line !== '');
}

function freshClone(): string {
  const clone = path.join(temporaryDirectory('sluice-clone-'), 'sluice');
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: repositoryRoot,
    encoding: 'utf8',
  })
    .split('\0')
    .filter((file) => file !== '');
  for (const file of files) {
    const target = path.join(clone, file);
    mkdirSync(path.dirname(target), { recursive: true });
    try {
      copyFileSync(path.join(repositoryRoot, file), target);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error; // deleted, not yet committed
    }
  }
  return clone;
}

afterAll(removeTemporaryDirectories);

describe('the README, on a fresh clone', () => {
  it(
    '"Your own app": at most three commands from a clone to a running app of its own, serving /sse',
    async () => {
      const commands = readmeCommands();
      expect(commands.length).toBeGreaterThan(0);
      expect(commands.length).toBeLessThanOrEqual(3);
      const clone = freshClone();
      // Every command but the last runs to its end; the last one serves.
      const env = { npm_config_prefer_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false' };
      for (const command of commands.slice(0, -1)) {
        expectSuccess(
          command,
          await runProcess('sh', ['-c', command], { cwd: clone, env: { ...process.env, ...env }, timeoutMs: 8 * minutes }),
        );
      }
      const serving = new ScriptProcess(clone, ['-c', commands.at(-1)!], { ...env, PORT: '0' }, 'sh');
      let connection: RawConnection | undefined;
      try {
        const [, port] = await serving.waitForOutput(/ listening on http:\/\/127\.0\.0\.1:(\d+)/, 5 * minutes);
        connection = await openStream(Number(port));
        expect(eventsIn(connection.stream!.body)[0]!.type).toBe('welcome');
        process.kill(-serving.child.pid!, 'SIGINT'); // Ctrl-C
        await serving.exited(20_000);
        expect(await waitUntilGone(-serving.child.pid!, 10_000)).toBe(true);
      } catch (error) {
        throw new Error(`${(error as Error).message}\n--- output\n${serving.output}`, { cause: error });
      } finally {
        connection?.destroy();
        serving.killGroup();
      }
    },
    15 * minutes,
  );
});
