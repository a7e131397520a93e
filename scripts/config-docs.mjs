#!/usr/bin/env node
// Rewrites the generated tables of the docs (run after changing src/config/schema.ts or a notifier's schema):
// the configuration table in README.md from the zod schema, the receivers tables in docs/receivers.md from
// the notifier schemas. test/integration/readme.test.ts fails while either is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { configSchema, typeLabels } from '../dist/config/schema.js';
import { renderConfigTable } from '../dist/config/docs.js';
import { renderReceiverDocs } from '../dist/notify/index.js';

/** Replaces what lies between `<!-- name:start -->` and `<!-- name:end -->` in `file` (from the repository root). */
function replaceSection(file, name, body) {
  const url = new URL(`../${file}`, import.meta.url);
  const text = readFileSync(url, 'utf8');
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a < 0 || b < a) throw new Error(`${file} has no ${name} markers`);
  writeFileSync(url, `${text.slice(0, a + start.length)}\n${body}\n${text.slice(b)}`);
}
replaceSection('README.md', 'config-table', renderConfigTable(configSchema, typeLabels));
replaceSection('docs/receivers.md', 'receivers-table', renderReceiverDocs());
console.log('README.md configuration table and docs/receivers.md receivers tables updated');
