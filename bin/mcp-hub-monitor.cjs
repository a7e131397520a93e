#!/usr/bin/env node
// Launcher: the CLI is compiled and bundled into dist/bundle/main.cjs at install time (`npm install` runs
// `prepare`). CommonJS on purpose: it starts faster than an ES module entry (see scripts/bundle.mjs).
'use strict';
try {
  require('../dist/bundle/main.cjs');
} catch (err) {
  if (err && err.code === 'MODULE_NOT_FOUND' && String(err.message).includes('dist/bundle/main.cjs')) {
    process.stderr.write('mcp-hub-monitor: dist/ is missing; run `npm install` (it compiles the TypeScript) and try again.\n');
    process.exit(3);
  }
  throw err;
}
