#!/usr/bin/env node
// Bundles the CLI into a few CommonJS files in dist/bundle/ (run at install by `prepare`, after tsc has
// type-checked and compiled src/). Why, measured on these machines (bench/check.mjs): `check` runs thousands
// of times a day, and loading ~30 small ES modules one by one through the ESM loader cost more than
// everything else it does; one CommonJS file skips both. `main.cjs` holds only the entry point, the fast path
// and the modules of the commands the table starts `inline` (check); every other command module of the table
// (src/cli/commands.ts) is its own file, required only when it runs, so the code check parses at start-up does
// not grow with the rest of the tool. A new command module gets its file from the table alone (a test checks
// that main.cjs holds no other command module). Heavy dependencies stay external.
import { build } from 'esbuild';
import { COMMANDS, COMMAND_MODULES } from '../dist/cli/commands.js';

/** Command modules bundled into main.cjs: those of the commands started without commander and inline. */
const INLINE = new Set(COMMANDS.filter((c) => c.startup === 'inline').map((c) => c.module));

/** Module specifiers (as written in src/cli) that become separate files, by output name. */
const SEPARATE = {
  './program.js': 'cmd-program',
  // The history reader pulls in the whole store: a file of its own, loaded only when a history exists.
  './history-facts.js': 'cmd-history-facts',
};
for (const name of Object.keys(COMMAND_MODULES)) if (!INLINE.has(name)) SEPARATE[`./commands/${name}.js`] = `cmd-${name}`;

const separate = {
  name: 'separate-commands',
  setup(b) {
    b.onResolve({ filter: /^\.\/(program|commands\/[\w-]+|history-facts)\.js$/ }, (args) => {
      const out = SEPARATE[args.path];
      return out && args.importer.includes('/src/cli/') ? { path: `./${out}.cjs`, external: true } : undefined;
    });
  },
};

const entryPoints = { main: 'src/cli/main.ts' };
for (const [spec, out] of Object.entries(SEPARATE)) entryPoints[out] = `src/cli/${spec.replace(/^\.\.?\//, '').replace(/\.js$/, '.ts')}`;

await build({
  entryPoints,
  outdir: 'dist/bundle',
  outExtension: { '.js': '.cjs' },
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  external: ['zod', 'yaml', 'commander', 'croner', 'better-sqlite3', 'pino', 'ink', 'react', 'nodemailer', '@opentelemetry/*'],
  plugins: [separate],
  // Our sources are ES modules that use import.meta.url; in a CJS file that is the file's own URL.
  define: { 'import.meta.url': '__mhmModuleUrl' },
  banner: { js: "const __mhmModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
  legalComments: 'none',
});

// Our own chunks are CommonJS: load them with require(), not import(). An import() of a CJS file goes through
// the ESM loader, which runs cjs-module-lexer over the whole file to find its exports (~20 ms for validate's
// chunk, measured with --cpu-prof). ESM-only packages (ink) keep their import().
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
for (const f of readdirSync('dist/bundle').filter((n) => n.endsWith('.cjs'))) {
  const path = `dist/bundle/${f}`;
  const text = readFileSync(path, 'utf8');
  const out = text.replace(/import\("(\.\/cmd-[\w-]+\.cjs)"\)/g, 'Promise.resolve().then(() => require("$1"))');
  if (out !== text) writeFileSync(path, out);
}

// The web dashboard: a small static front end the daemon serves (same-origin files only: CSP 'self').
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
const requireHere = createRequire(import.meta.url);
mkdirSync('dist/web', { recursive: true });
// One script per page; the fleet page's formats its cells with src/views/fleet-format.ts, as the CLI does.
await build({
  entryPoints: { app: 'web/app.ts', fleet: 'web/fleet.ts' }, outdir: 'dist/web', bundle: true, format: 'iife', platform: 'browser',
  target: ['chrome110', 'firefox110', 'safari16'], minify: true, logLevel: 'warning', legalComments: 'none',
});
copyFileSync('web/index.html', 'dist/web/index.html');
copyFileSync('web/fleet.html', 'dist/web/fleet.html');
copyFileSync('web/style.css', 'dist/web/style.css');
copyFileSync(requireHere.resolve('uplot/dist/uPlot.min.css'), 'dist/web/uplot.css');
