/** @jest-config-loader-options {"transpileOnly": true, "compilerOptions": {"module": "CommonJS", "target": "ES2022"}} */
import type { Config } from 'jest';
import { createDefaultEsmPreset } from 'ts-jest';

// One jest project per package (and one for the samples). Tests import the
// workspace packages from their sources, so `jest` needs no build first; the
// type-check of sources and tests runs separately (`tsc -b`, tsconfig.spec.json)
// because isolatedModules turns ts-jest's own checking off.
const esm = createDefaultEsmPreset({ tsconfig: '<rootDir>/tsconfig.spec.json' });

const shared = {
  ...esm,
  rootDir: __dirname,
  testEnvironment: 'node',
  moduleNameMapper: {
    '^(\\.{1,2}/.*)\\.js$': '$1',
    '^@sluice/([^/]+)/(.+)$': '<rootDir>/packages/$1/src/$2/index.ts',
    '^@sluice/([^/]+)$': '<rootDir>/packages/$1/src/index.ts',
  },
};

function project(name: string, dir: string): Config {
  return { ...shared, displayName: name, roots: [`<rootDir>/${dir}`], testMatch: ['**/test/**/*.test.ts'] } as Config;
}

const config: Config = {
  projects: [
    project('core', 'packages/core'),
    project('sse', 'packages/sse'),
    project('redis', 'packages/redis'),
    project('openapi', 'packages/openapi'),
    project('cli', 'packages/cli'),
    project('samples', 'samples'),
    // Repository-wide suites over real sockets: property tests, security defaults, the short soak.
    project('repo', 'test'),
  ],
  testTimeout: 20_000,
};

export default config;
