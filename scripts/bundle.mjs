#!/usr/bin/env node
// Bundles the CLI into a few ES modules in dist/bundle/ (run at install by `prepare`, after tsc has
// type-checked and compiled src/). Why: `check` runs thousands of times a day, and loading ~30 small
// modules (ours and commander's) one by one cost more than everything else it does. Commands' lazy
// `await import()`s stay separate chunks, and zod/yaml stay external, so the lean path stays lean.
import { build } from 'esbuild';

await build({
  entryPoints: { main: 'src/cli/main.ts' },
  outdir: 'dist/bundle',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['zod', 'yaml', 'better-sqlite3', 'ink', 'react'],
  // commander is CommonJS and requires Node built-ins; give its require() a real implementation.
  banner: { js: "import { createRequire as __mhmCreateRequire } from 'node:module'; const require = __mhmCreateRequire(import.meta.url);" },
  logLevel: 'warning',
  legalComments: 'none',
});
