export { run, type RunOptions, type TextSink } from './run.js';
export { newApp, type NewAppOptions, type NewAppResult } from './newApp.js';
export { parseArguments, type CliCommand } from './arguments.js';
export { packageNameProblem, maxPackageNameLength } from './packageName.js';
export { templates, templateNames, defaultTemplate, type TemplateName } from './templates.js';
export { resolveSluice, vendorDirectory, type SluiceOrigin, type SluiceSource } from './sluiceSource.js';
export { npmView, type RegistryAnswer, type RegistryLookup } from './registry.js';
export { findCheckout } from './checkout.js';
export { CliError, CliErrorCodes, type CliErrorCode } from './CliError.js';
