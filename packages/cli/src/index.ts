export { run, type RunOptions, type TextSink } from './run.js';
export { newApp, type NewAppOptions, type NewAppResult } from './newApp.js';
export { parseArguments, type CliCommand } from './arguments.js';
export { packageNameProblem, maxPackageNameLength } from './packageName.js';
export { templates, templateNames, defaultTemplate, type TemplateName } from './templates.js';
export { CliError, CliErrorCodes, type CliErrorCode } from './CliError.js';
