#!/usr/bin/env node
// Bundles the CLI into a few CommonJS files in dist/bundle/ (run at install by `prepare`, after tsc has
// type-checked and compiled src/). Why, measured on these machines (bench/check.mjs): `check` runs thousands
// of times a day, and loading ~30 small ES modules one by one through the ESM loader cost more than
// everything else it does; one CommonJS file skips both. `main.cjs` holds only the entry point and the
// evaluating fast path (check); every other command is its own file, required only when it runs, so the
// code check parses at start-up does not grow with the rest of the tool. Heavy dependencies stay external.
import { build } from 'esbuild';

/** Module specifiers (as written in src/cli) that become separate files, by output name. */
const SEPARATE = {
  './program.js': 'cmd-program',
  './commands/validate.js': 'cmd-validate',
  './commands/anomalies.js': 'cmd-anomalies',
  './commands/daemon.js': 'cmd-daemon',
  './commands/status.js': 'cmd-status',
  './commands/reload.js': 'cmd-reload',
  './commands/history.js': 'cmd-history',
  './commands/alerts.js': 'cmd-alerts',
  './commands/setup.js': 'cmd-setup',
  './commands/dashboard.js': 'cmd-dashboard',
  './commands/measure.js': 'cmd-measure',
  './commands/baseline.js': 'cmd-baseline',
  './commands/report.js': 'cmd-report',
  './commands/export.js': 'cmd-export',
  // The history reader pulls in the whole store: a file of its own, loaded only when a history exists.
  './history-facts.js': 'cmd-history-facts',
};

const separate = {
  name: 'separate-commands',
  setup(b) {
    b.onResolve({ filter: /^\.\/(program|commands\/\w+|history-facts)\.js$/ }, (args) => {
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
  external: ['zod', 'yaml', 'commander', 'croner', 'better-sqlite3', 'pino', 'ink', 'react', 'nodemailer'],
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
await build({
  entryPoints: ['web/app.ts'], outfile: 'dist/web/app.js', bundle: true, format: 'iife', platform: 'browser',
  target: ['chrome110', 'firefox110', 'safari16'], minify: true, logLevel: 'warning', legalComments: 'none',
});
copyFileSync('web/index.html', 'dist/web/index.html');
copyFileSync('web/style.css', 'dist/web/style.css');
copyFileSync(requireHere.resolve('uplot/dist/uPlot.min.css'), 'dist/web/uplot.css');
