#!/usr/bin/env node
// Thin launcher: the CLI is compiled and bundled into dist/ at install time (npm install runs `prepare`).
import { existsSync } from 'node:fs';
const entry = new URL('../dist/bundle/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('mcp-hub-monitor: dist/ is missing; run `npm install` (it compiles the TypeScript) and try again.\n');
  process.exit(3);
}
await import(entry.href);
