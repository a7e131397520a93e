/** The README is part of the product: its config table is generated from the schema and must not drift. */
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { configSchema, typeLabels } from '../../src/config/schema.js';
import { renderConfigTable } from '../../src/config/docs.js';
import { renderReceiverDocs } from '../../src/notify/index.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

test('the README configuration table matches the schema (run `npm run docs:config` after changing it)', () => {
  const section = /<!-- config-table:start -->\n([\s\S]*?)\n<!-- config-table:end -->/.exec(readme)?.[1];
  expect(section).toBe(renderConfigTable(configSchema, typeLabels));
});

test('the README receivers tables match the notifier schemas', () => {
  const section = /<!-- receivers-table:start -->\n([\s\S]*?)\n<!-- receivers-table:end -->/.exec(readme)?.[1];
  expect(section).toBe(renderReceiverDocs());
});

test('the README quick start shows the two commands and .ci/run runs the test one', () => {
  expect(readme).toContain('npm ci && npm run demo');
  expect(readme).toContain('npm ci && npm test');
  expect(readFileSync(new URL('../../.ci/run', import.meta.url), 'utf8')).toContain('npm ci && npm test');
});
