#!/usr/bin/env node
// Rewrites the README's configuration table from the zod schema (run after changing src/config/schema.ts).
import { readFileSync, writeFileSync } from 'node:fs';
import { configSchema, typeLabels } from '../dist/config/schema.js';
import { renderConfigTable } from '../dist/config/docs.js';
import { renderReceiverDocs } from '../dist/notify/index.js';

const readme = new URL('../README.md', import.meta.url);
let text = readFileSync(readme, 'utf8');
function replaceSection(name, body) {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a < 0 || b < a) throw new Error(`README.md has no ${name} markers`);
  text = `${text.slice(0, a + start.length)}\n${body}\n${text.slice(b)}`;
}
replaceSection('config-table', renderConfigTable(configSchema, typeLabels));
replaceSection('receivers-table', renderReceiverDocs());
writeFileSync(readme, text);
console.log('README.md configuration and receivers tables updated');
