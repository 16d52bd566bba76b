import { defaultTemplate, templateNames, templates } from './templates.js';

/** What `sluice --help` prints. */
export function mainUsage(): string {
  return `Usage: sluice <command> [options]

Commands:
  new <dir>       Create a Sluice app in <dir> (see sluice new --help)
  dev-cert [dir]  Write dev-key.pem and dev-cert.pem (self-signed, for HTTP/2 in development) in [dir]

Options:
  -h, --help      Show this help
  -v, --version   Show the version
`;
}

/**
 * What `sluice new --help` prints. `invokedAs` is how the user started the
 * command (`sluice new`, or `npm create sluice` through create-sluice).
 */
export function newUsage(invokedAs = 'sluice new'): string {
  const width = Math.max(...templateNames.map((name) => name.length));
  const templateLines = templateNames
    .map((name) => `                           ${name.padEnd(width)}  ${templates[name]}${name === defaultTemplate ? ' (default)' : ''}`)
    .join('\n');
  const optionsAfter = invokedAs.startsWith('npm ') ? ' -- ' : ' ';
  return `Usage: ${invokedAs} <dir>${optionsAfter}[--template ${templateNames.join('|')}] [--local|--registry]

Creates a Sluice app in <dir>, which must be missing or empty. The app's
package name is <dir>'s last segment, so it follows npm's naming rules.

Options:
  -t, --template <name>  The app to start from:
${templateLines}
      --local            Depend on tarballs packed from the Sluice checkout this
                         command runs from (in the app's vendor/), even when
                         the registry has @sluice/* (the default does that
                         only when the registry lacks them)
      --registry         Depend on the registry's @sluice/* without checking
  -h, --help             Show this help
  -v, --version          Show the version
`;
}
