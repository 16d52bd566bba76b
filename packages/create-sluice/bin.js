#!/usr/bin/env node
// `npm create sluice <dir> -- [--template minimal|sse]` runs this: it is `sluice new`.
import { launch } from '@sluice/cli/launch';

process.exitCode = await launch(['new', ...process.argv.slice(2)], { programName: 'create-sluice', invokedAs: 'npm create sluice' });
