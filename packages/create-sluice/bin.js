#!/usr/bin/env node
// `npm create sluice <dir> -- [--template minimal|sse]` runs this: it is `sluice new`.
import { run } from '@sluice/cli';

process.exitCode = await run(['new', ...process.argv.slice(2)], { programName: 'create-sluice', invokedAs: 'npm create sluice' });
