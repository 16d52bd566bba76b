import { parseArgs } from 'node:util';
import { CliError, CliErrorCodes } from './CliError.js';
import type { SluiceSource } from './sluiceSource.js';

/** What the command line asks for. */
export type CliCommand =
  | { readonly kind: 'help'; readonly topic: 'main' | 'new' }
  | { readonly kind: 'version' }
  | { readonly kind: 'new'; readonly directory: string; readonly template: string | undefined; readonly source: SluiceSource }
  | { readonly kind: 'dev-cert'; readonly directory: string };

const options = {
  template: { type: 'string', short: 't' },
  local: { type: 'boolean' },
  registry: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

const seeHelp = '(see --help)';

/**
 * Parses `sluice`'s arguments (without the node and script paths):
 * `new <dir> [--template <name>] [--local|--registry]`, `dev-cert [dir]`, `--help`, `new --help`,
 * `help [new]`, `--version`. Options may come before or after the positionals, and `--` ends
 * the options. Anything else throws a {@link CliError} with a one-line reason.
 * The template name is checked later, with the rest of what `new` needs.
 */
export function parseArguments(argv: readonly string[]): CliCommand {
  let parsed: {
    values: { template?: string; local?: boolean; registry?: boolean; help?: boolean; version?: boolean };
    positionals: string[];
  };
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new CliError(CliErrorCodes.Usage, describeParseError(error), { cause: error });
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;

  if (values.version) return { kind: 'version' };
  if (command === undefined) {
    if (values.help) return { kind: 'help', topic: 'main' };
    throw new CliError(CliErrorCodes.Usage, `missing command: sluice new <dir> creates an app ${seeHelp}`);
  }
  if (command === 'help') {
    if (rest.length === 0) return { kind: 'help', topic: 'main' };
    if (rest.length === 1 && rest[0] === 'new') return { kind: 'help', topic: 'new' };
    throw new CliError(CliErrorCodes.Usage, `no help on "${rest.join(' ')}" ${seeHelp}`);
  }
  if (command === 'dev-cert') {
    if (values.help) return { kind: 'help', topic: 'main' };
    if (rest.length > 1)
      throw new CliError(CliErrorCodes.Usage, `unexpected argument "${rest[1]}": dev-cert takes one directory ${seeHelp}`);
    if (values.template !== undefined || values.local || values.registry)
      throw new CliError(CliErrorCodes.Usage, `dev-cert takes no --template, --local or --registry ${seeHelp}`);
    return { kind: 'dev-cert', directory: rest[0] ?? '.' };
  }
  if (command !== 'new')
    throw new CliError(CliErrorCodes.Usage, `unknown command "${command}": the commands are new and dev-cert ${seeHelp}`);
  if (values.help) return { kind: 'help', topic: 'new' };

  const [directory, ...extra] = rest;
  if (directory === undefined || directory === '') {
    throw new CliError(CliErrorCodes.Usage, `missing <dir>, the directory to create the app in ${seeHelp}`);
  }
  if (extra.length > 0) throw new CliError(CliErrorCodes.Usage, `unexpected argument "${extra[0]}": new takes one directory ${seeHelp}`);
  if (values.local && values.registry) throw new CliError(CliErrorCodes.Usage, `--local and --registry exclude each other ${seeHelp}`);
  const source: SluiceSource = values.local ? 'local' : values.registry ? 'registry' : 'auto';
  return { kind: 'new', directory, template: values.template, source };
}

/** Node's parseArgs errors, said in one line in our terms. */
function describeParseError(error: unknown): string {
  const { code, message } = error as { code?: string; message?: string };
  const text = message ?? String(error);
  const option = /'(-[^']*)'/.exec(text)?.[1];
  const name = option === undefined ? 'an option' : (/--[\w-]+/.exec(option)?.[0] ?? option);
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option ${name} ${seeHelp}`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    if (/does not take an argument/.test(text)) return `option ${name} takes no value`;
    return `option ${name} needs a value ${seeHelp}`;
  }
  return text.split('\n')[0]!;
}
