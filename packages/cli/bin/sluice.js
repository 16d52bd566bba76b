#!/usr/bin/env node
// The `sluice` command: `sluice new <dir>`, `sluice --help`.
import { launch } from './launch.js';

process.exitCode = await launch(process.argv.slice(2));
