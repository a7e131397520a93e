#!/usr/bin/env node
// Bundles the CLI into one CommonJS file, dist/bundle/main.cjs (run at install by `prepare`, after tsc has
// type-checked and compiled src/). Why, measured on these machines (bench/check.mjs): `check` runs thousands
// of times a day, and loading ~30 small ES modules one by one (ours and commander's) through the ESM loader
// cost more than everything else it does; one CommonJS file skips both. Heavy dependencies (zod, yaml, and
// later better-sqlite3, ink) stay external and are loaded lazily by the commands that need them.
import { build } from 'esbuild';

await build({
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/bundle/main.cjs',
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  external: ['zod', 'yaml', 'commander', 'better-sqlite3', 'pino', 'ink', 'react'],
  // Our sources are ES modules that use import.meta.url; in one CJS file that is this file's URL.
  define: { 'import.meta.url': '__mhmModuleUrl' },
  banner: { js: "const __mhmModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
  legalComments: 'none',
});
