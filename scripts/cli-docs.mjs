#!/usr/bin/env node
// Writes docs/cli.md, the command-line reference, from the command table (run after changing src/cli/commands.ts).
import { writeFileSync } from 'node:fs';
import { renderCommandReference } from '../dist/cli/command-docs.js';

writeFileSync(new URL('../docs/cli.md', import.meta.url), renderCommandReference());
console.log('docs/cli.md updated');
