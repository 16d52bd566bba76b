import path from 'node:path';
import type { NewAppResult } from './newApp.js';

/**
 * What to do after `sluice new`: the commands to type, with the directory as
 * the user can `cd` to it from where they are.
 */
export function nextSteps(app: NewAppResult, cwd: string): string {
  const relative = path.relative(cwd, app.directory);
  const cd = relative === '' ? [] : [`cd ${shellQuote(relative.startsWith('..') ? app.directory : relative)}`];
  const lines = [
    `Created ${app.name} (${app.template} template${app.local ? ', local Sluice packages' : ''}) in ${app.directory}`,
    '',
    'Next steps:',
    ...[...cd, 'npm install', 'npm start      # serves http://127.0.0.1:3000 (PORT=8080 npm start for another port)', 'npm test'].map(
      (line) => `  ${line}`,
    ),
  ];
  if (app.local) {
    lines.push('', 'The app installs copies of the local packages: after changing and rebuilding them, run npm install again.');
  }
  return `${lines.join('\n')}\n`;
}

/** Quotes a path for a POSIX shell when it holds anything beyond plain characters. */
function shellQuote(text: string): string {
  return /^[\w./@%+=:,-]+$/.test(text) ? text : `'${text.replaceAll("'", "'\\''")}'`;
}
