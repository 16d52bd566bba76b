import { describe, expect, it } from '@jest/globals';
import { CliError, CliErrorCodes, parseArguments } from '../src/index.js';

function usageError(argv: string[]): CliError {
  try {
    parseArguments(argv);
  } catch (error) {
    if (error instanceof CliError) return error;
    throw error;
  }
  throw new Error(`parseArguments(${JSON.stringify(argv)}) did not throw`);
}

describe('parseArguments', () => {
  it('reads new <dir> with its options, before or after the directory', () => {
    expect(parseArguments(['new', 'my-app'])).toEqual({ kind: 'new', directory: 'my-app', template: undefined, source: 'auto' });
    expect(parseArguments(['new', 'my-app', '--template', 'sse', '--local'])).toEqual({
      kind: 'new',
      directory: 'my-app',
      template: 'sse',
      source: 'local',
    });
    expect(parseArguments(['new', '-t', 'minimal', 'my-app'])).toEqual({
      kind: 'new',
      directory: 'my-app',
      template: 'minimal',
      source: 'auto',
    });
    expect(parseArguments(['new', '--template=sse', 'my-app'])).toMatchObject({ template: 'sse' });
    expect(parseArguments(['new', '--', '-odd'])).toMatchObject({ directory: '-odd' });
    expect(parseArguments(['new', 'my-app', '--registry'])).toMatchObject({ source: 'registry' });
  });

  it('reads the help and version requests', () => {
    expect(parseArguments(['--help'])).toEqual({ kind: 'help', topic: 'main' });
    expect(parseArguments(['-h'])).toEqual({ kind: 'help', topic: 'main' });
    expect(parseArguments(['help'])).toEqual({ kind: 'help', topic: 'main' });
    expect(parseArguments(['new', '--help'])).toEqual({ kind: 'help', topic: 'new' });
    expect(parseArguments(['help', 'new'])).toEqual({ kind: 'help', topic: 'new' });
    expect(parseArguments(['--version'])).toEqual({ kind: 'version' });
    expect(parseArguments(['-v'])).toEqual({ kind: 'version' });
  });

  it.each([
    [['new', 'my-app', '--force'], /^unknown option --force /],
    [['new', 'my-app', '-x'], /^unknown option -x /],
    [['new', 'my-app', '--template'], /^option --template needs a value /],
    [['new', '--template', '--local', 'my-app'], /^option --template needs a value /],
    [['new', 'my-app', '--local=yes'], /^option --local takes no value$/],
    [['new'], /^missing <dir>, the directory to create the app in/],
    [['new', ''], /^missing <dir>, the directory to create the app in/],
    [['new', 'a', 'b'], /^unexpected argument "b"/],
    [[], /^missing command/],
    [['--local'], /^missing command/],
    [['create', 'my-app'], /^unknown command "create"/],
    [['help', 'me'], /^no help on "me"/],
  ])('refuses %j with a one-line reason', (argv, reason) => {
    const error = usageError(argv);
    expect(error.code).toBe(CliErrorCodes.Usage);
    expect(error.message).toMatch(reason);
    expect(error.message).not.toMatch(/[\r\n]/);
  });
});
