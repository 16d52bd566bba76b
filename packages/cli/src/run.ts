import path from 'node:path';
import { parseArguments } from './arguments.js';
import { cliVersion } from './cliPackage.js';
import { makeDevCertificate } from './devCert.js';
import { newApp } from './newApp.js';
import { nextSteps } from './nextSteps.js';
import { mainUsage, newUsage } from './usage.js';

/** Somewhere to write text: `process.stdout`, or a collector in tests. */
export interface TextSink {
  write(text: string): unknown;
}

/** Where {@link run} reads and writes; every field has the process's own as default. */
export interface RunOptions {
  readonly stdout?: TextSink;
  readonly stderr?: TextSink;
  /** What a relative app directory is relative to. */
  readonly cwd?: string;
  /** The name before the reason of an error line (`sluice: unknown option --x`). Default `sluice`. */
  readonly programName?: string;
  /** How the user started `new`, for its usage line. Default `sluice new`. */
  readonly invokedAs?: string;
}

/**
 * Runs the `sluice` command line (`argv` without the node and script paths) and
 * resolves to the exit code: 0 on success, 1 on any failure, which is reported
 * as one line on stderr before anything is written to disk.
 *
 * ```ts
 * process.exitCode = await run(process.argv.slice(2));
 * ```
 */
export async function run(argv: readonly string[], options: RunOptions = {}): Promise<number> {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const cwd = options.cwd ?? process.cwd();
  try {
    const command = parseArguments(argv);
    switch (command.kind) {
      case 'version':
        stdout.write(`${cliVersion}\n`);
        return 0;
      case 'help':
        stdout.write(command.topic === 'new' ? newUsage(options.invokedAs) : mainUsage());
        return 0;
      case 'new': {
        const app = await newApp({ directory: command.directory, template: command.template, source: command.source, cwd });
        stdout.write(nextSteps(app, cwd));
        return 0;
      }
      case 'dev-cert': {
        const files = makeDevCertificate(command.directory, cwd);
        stdout.write(
          `Wrote ${path.relative(cwd, files.cert) || files.cert} and ${path.relative(cwd, files.key) || files.key}: ` +
            'a self-signed certificate for localhost and 127.0.0.1, valid 30 days, for useHttp2({ key, cert }).\n' +
            'Keep them out of version control; browsers warn about them once.\n',
        );
        return 0;
      }
    }
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    stderr.write(`${options.programName ?? 'sluice'}: ${reason.replace(/\s*[\r\n]+\s*/g, ' ')}\n`);
    return 1;
  }
}
