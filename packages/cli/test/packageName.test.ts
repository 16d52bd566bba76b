import { describe, expect, it } from '@jest/globals';
import { maxPackageNameLength, packageNameProblem } from '../src/index.js';

describe('packageNameProblem', () => {
  it.each(['my-app', 'app2', 'a', 'sluice.demo', 'under_score', 'tilde-less', '@scope/app', 'x'.repeat(maxPackageNameLength)])(
    'accepts %s',
    (name) => {
      expect(packageNameProblem(name)).toBeUndefined();
    },
  );

  it.each([
    ['', /empty/],
    ['x'.repeat(maxPackageNameLength + 1), /at most 214 characters \(this one has 215\)/],
    ['My-App', /lowercase/],
    ['.hidden', /dot/],
    ['_private', /underscore/],
    [' padded', /space/],
    ['two words', /URL-safe/],
    ['café', /URL-safe/],
    ['a+b', /URL-safe/],
    ["it's", /~'!\(\)\*/],
    ['wow!', /~'!\(\)\*/],
    ['node_modules', /reserved/],
    ['favicon.ico', /reserved/],
    ['http', /built-in/],
    ['fs', /built-in/],
    ['@scope', /@scope\/name/],
    ['@scope/.app', /dot or an underscore/],
    ['@Scope/app', /lowercase/],
  ])('refuses %j', (name, problem) => {
    expect(packageNameProblem(name)).toMatch(problem);
  });
});
