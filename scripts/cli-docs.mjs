#!/usr/bin/env node
// Rewrites the generated parts of docs/commands.md — the global options and each command's usage and options —
// from the command table (run after changing src/cli/commands.ts or src/cli/options.ts). A test fails while
// they are stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { renderCommandsDoc } from '../dist/cli/command-docs.js';

const file = new URL('../docs/commands.md', import.meta.url);
writeFileSync(file, renderCommandsDoc(readFileSync(file, 'utf8')));
console.log('docs/commands.md: usage and options updated');
