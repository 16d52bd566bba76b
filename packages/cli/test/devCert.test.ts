import { afterAll, describe, expect, it } from '@jest/globals';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArguments } from '../src/index.js';
import { removeTemporaryDirectories, runCli, temporaryDirectory } from './helpers.js';

afterAll(removeTemporaryDirectories);

describe('sluice dev-cert', () => {
  it('reads dev-cert [dir]', () => {
    expect(parseArguments(['dev-cert'])).toEqual({ kind: 'dev-cert', directory: '.' });
    expect(parseArguments(['dev-cert', 'certs'])).toEqual({ kind: 'dev-cert', directory: 'certs' });
    expect(() => parseArguments(['dev-cert', 'a', 'b'])).toThrow(/^unexpected argument "b"/);
  });

  it('writes a self-signed certificate for localhost and 127.0.0.1 and its key, and refuses to overwrite them', async () => {
    const cwd = temporaryDirectory('sluice-dev-cert-');
    const made = await runCli(['dev-cert', 'certs'], { cwd });
    expect(made).toMatchObject({ code: 0, stderr: '' });
    expect(made.stdout).toMatch(/^Wrote certs\/dev-cert\.pem and certs\/dev-key\.pem/);
    const cert = new X509Certificate(readFileSync(path.join(cwd, 'certs', 'dev-cert.pem')));
    expect(cert.subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1');
    expect(cert.checkPrivateKey(createPrivateKey(readFileSync(path.join(cwd, 'certs', 'dev-key.pem'))))).toBe(true);

    const again = await runCli(['dev-cert', 'certs'], { cwd });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^sluice: certs\/dev-key\.pem exists already/);
  });
});
