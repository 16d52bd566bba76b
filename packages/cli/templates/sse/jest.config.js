import { createDefaultEsmPreset } from 'ts-jest';

// The tests run as native ES modules, as the app does: ts-jest compiles them,
// and `npm test` starts jest with node's --experimental-vm-modules.
/** @type {import('jest').Config} */
export default {
  ...createDefaultEsmPreset(),
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  // Imports say `./app.js` (as node needs); jest finds `./app.ts`.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
};
