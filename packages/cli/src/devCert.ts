import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { CliError, CliErrorCodes } from './CliError.js';

/** The files `sluice dev-cert` writes. */
export interface DevCertificateFiles {
  readonly key: string;
  readonly cert: string;
}

/**
 * The `openssl` arguments of a self-signed development certificate for
 * `localhost` and `127.0.0.1` (P-256, 30 days): the line docs/http2.md gives.
 */
export function devCertificateArguments(key: string, cert: string): string[] {
  return [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    '30',
    '-subj',
    '/CN=localhost',
    '-addext',
    'subjectAltName=DNS:localhost,IP:127.0.0.1',
    '-keyout',
    key,
    '-out',
    cert,
  ];
}

/**
 * Writes `dev-key.pem` and `dev-cert.pem` in `directory` with `openssl`, for
 * `useHttp2({ key, cert })` in development. Refuses to overwrite either file.
 */
export function makeDevCertificate(directory: string, cwd: string): DevCertificateFiles {
  const dir = path.resolve(cwd, directory);
  const key = path.join(dir, 'dev-key.pem');
  const cert = path.join(dir, 'dev-cert.pem');
  for (const file of [key, cert]) {
    if (existsSync(file)) {
      throw new CliError(CliErrorCodes.TargetNotEmpty, `${path.relative(cwd, file) || file} exists already: remove it to make a new pair`);
    }
  }
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync('openssl', devCertificateArguments(key, cert), { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    rmSync(key, { force: true });
    rmSync(cert, { force: true });
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new CliError(
      CliErrorCodes.OpensslFailed,
      missing
        ? 'openssl was not found: install it (Debian: apt-get install openssl) to make a development certificate'
        : `openssl failed: ${
            String((error as { stderr?: Buffer }).stderr ?? error)
              .trim()
              .split('\n')[0]
          }`,
      { cause: error },
    );
  }
  return { key, cert };
}
