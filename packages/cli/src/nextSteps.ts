import path from 'node:path';
import type { NewAppResult } from './newApp.js';

/**
 * What to do after `sluice new`: where the Sluice packages come from, and the commands to
 * type, with the directory as the user can `cd` to it from where they are.
 */
export function nextSteps(app: NewAppResult, cwd: string): string {
  const relative = path.relative(cwd, app.directory);
  const cd = relative === '' ? [] : [`cd ${shellQuote(relative.startsWith('..') ? app.directory : relative)}`];
  const lines = [`Created ${app.name} (${app.template} template) in ${app.directory}`];
  if (app.sluice.kind === 'tarballs') {
    const tarballs = Object.values(app.sluice.tarballs);
    lines.push(
      '',
      `${app.sluice.reason === '--local' ? 'With --local,' : `${app.sluice.reason}, so`} the app depends on tarballs packed from the Sluice checkout at ${app.sluice.checkout}:`,
      ...tarballs.map((tarball) => `  ${tarball}`),
      'They install as copies, like packages from the registry. Keep them with the app (commit them); to update them, run npm run pack in the checkout and copy the new tarballs from its dist-packages/.',
    );
  }
  lines.push(
    '',
    'Next steps:',
    ...[
      ...cd,
      'npm install',
      'npm start      # serves http://127.0.0.1:3000 (PORT=8080 npm start for another port)',
      'npm run dev    # rebuilds and restarts on every change',
      'npm test',
    ].map((line) => `  ${line}`),
  );
  return `${lines.join('\n')}\n`;
}

/** Quotes a path for a POSIX shell when it holds anything beyond plain characters. */
function shellQuote(text: string): string {
  return /^[\w./@%+=:,-]+$/.test(text) ? text : `'${text.replaceAll("'", "'\\''")}'`;
}
