#!/usr/bin/env node
// Writes dist/config/defaults.json: the config schema's defaults, which `check` reads without loading zod
// (src/config/defaults.ts). `npm run build` runs it after tsc, so the file always matches the schema built.
import { writeFileSync } from 'node:fs';
import { configSchema } from '../dist/config/schema.js';

writeFileSync(new URL('../dist/config/defaults.json', import.meta.url), `${JSON.stringify(configSchema.parse({}), null, 2)}\n`);
