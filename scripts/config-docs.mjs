#!/usr/bin/env node
// Rewrites the README's configuration table from the zod schema (run after changing src/config/schema.ts).
import { readFileSync, writeFileSync } from 'node:fs';
import { configSchema, typeLabels } from '../dist/config/schema.js';
import { renderConfigTable } from '../dist/config/docs.js';

const readme = new URL('../README.md', import.meta.url);
const text = readFileSync(readme, 'utf8');
const start = '<!-- config-table:start -->';
const end = '<!-- config-table:end -->';
const a = text.indexOf(start);
const b = text.indexOf(end);
if (a < 0 || b < a) throw new Error('README.md has no config-table markers');
writeFileSync(readme, `${text.slice(0, a + start.length)}\n${renderConfigTable(configSchema, typeLabels)}\n${text.slice(b)}`);
console.log('README.md configuration table updated');
