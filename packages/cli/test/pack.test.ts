import { afterAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { removeTemporaryDirectories, repositoryRoot, temporaryDirectory } from './helpers.js';

interface Manifest {
  name: string;
  version: string;
  license?: string;
  bin?: Record<string, string>;
  exports?: Record<string, string | Record<string, string>>;
  dependencies?: Record<string, string>;
}

interface PackScript {
  publishablePackages(root: string): Array<{ name: string; version: string; directory: string }>;
  packPackages(options: { root: string; destination: string }): Array<{ name: string; version: string; file: string }>;
}

afterAll(removeTemporaryDirectories);

describe('npm run pack', () => {
  it('packs every non-private packages/* into one folder: dist, types, README, LICENSE, exports that resolve, versions in step', async () => {
    const script = (await import(pathToFileURL(path.join(repositoryRoot, 'scripts', 'pack.js')).href)) as PackScript;
    const destination = temporaryDirectory('sluice-pack-test-');

    const tarballs = script.packPackages({ root: repositoryRoot, destination });

    expect(tarballs.map((tarball) => tarball.name).sort()).toEqual(
      script
        .publishablePackages(repositoryRoot)
        .map((pkg) => pkg.name)
        .sort(),
    );
    expect(tarballs.map((tarball) => tarball.name)).toEqual(
      expect.arrayContaining(['@sluice/core', '@sluice/sse', '@sluice/cli', 'create-sluice']),
    );
    const versions = new Set(tarballs.map((tarball) => tarball.version));
    expect(versions.size).toBe(1);
    const [version] = [...versions];
    for (const tarball of tarballs) {
      expect(path.dirname(tarball.file)).toBe(destination);
      const files = execFileSync('tar', ['-tzf', tarball.file], { encoding: 'utf8' })
        .split('\n')
        .filter((file) => file !== '')
        .map((file) => file.replace(/^package\//, ''));
      const manifest = JSON.parse(execFileSync('tar', ['-xzOf', tarball.file, 'package/package.json'], { encoding: 'utf8' })) as Manifest;
      const name = tarball.name;
      expect({ name, license: manifest.license }).toEqual({ name, license: 'MIT' });
      expect({ name, has: ['README.md', 'LICENSE', 'package.json'].filter((file) => files.includes(file)) }).toEqual({
        name,
        has: ['README.md', 'LICENSE', 'package.json'],
      });
      expect({ name, tests: files.filter((file) => file.startsWith('test/')) }).toEqual({ name, tests: [] });
      // Every export and bin target is in the tarball, types first for TypeScript's resolution.
      for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
        const conditions = typeof target === 'string' ? { default: target } : target;
        if (typeof target !== 'string') expect({ name, subpath, first: Object.keys(target)[0] }).toEqual({ name, subpath, first: 'types' });
        for (const file of Object.values(conditions))
          expect({ name, subpath, file, packed: files.includes(file.replace(/^\.\//, '')) }).toMatchObject({ packed: true });
      }
      for (const file of Object.values(manifest.bin ?? {}))
        expect({ name, file, packed: files.includes(file.replace(/^\.\//, '')) }).toMatchObject({ packed: true });
      // Packages depend on each other at the version they ship with.
      for (const [dependency, range] of Object.entries(manifest.dependencies ?? {})) {
        if (dependency.startsWith('@sluice/')) expect({ name, dependency, range }).toEqual({ name, dependency, range: version });
      }
    }
    const root = JSON.parse(readFileSync(path.join(repositoryRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(root.scripts.pack).toBe('node scripts/pack.js');
  }, 120_000);
});
