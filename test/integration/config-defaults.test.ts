/**
 * The schema is the one place a default is written (issue J item 1). `check` must not load zod, so the
 * build writes the schema's defaults to dist/config/defaults.json and `check` reads that; the README's
 * configuration table is generated from the same schema. These tests hold the three together: what the
 * build wrote is the schema's, the README shows exactly it, and `check` runs with what the file says.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { isolatedEnv } from '../support/cli.js';
import { tempDir } from '../support/temp-dir.js';
import { configSchema } from '../../src/config/schema.js';

const root = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));
const built = () => JSON.parse(readFileSync(root('dist/config/defaults.json'), 'utf8')) as unknown;

/** `a.b."servers.down".c` → ['a', 'b', 'servers.down', 'c']. */
const keyPath = (key: string) => [...key.matchAll(/"([^"]+)"|([^.]+)/g)].map((m) => m[1] ?? m[2]!);

/** The README table's defaults as a config file would write them: `{ timeout: '5s', check: { … } }`. */
function readmeDefaults(): Record<string, unknown> {
  const readme = readFileSync(root('README.md'), 'utf8');
  const table = /<!-- config-table:start -->\n([\s\S]*?)\n<!-- config-table:end -->/.exec(readme)![1]!;
  const input: Record<string, unknown> = {};
  const unset: string[] = [];
  for (const [, key, type, dflt] of table.matchAll(/^\| `([^`]+)` \| ((?:[^|\\]|\\\|)*) \| ((?:[^|\\]|\\\|)*) \|/gm)) {
    // An object with no default is absent unless written (alerting.routes): its fields' defaults apply once it is.
    if (type === 'object' && dflt === '') unset.push(key!);
    if (unset.some((u) => key!.startsWith(`${u}.`))) continue;
    // List items and a family of keys (`<rule id>`) have no default of their own.
    if (key!.includes('[]') || key!.includes('<') || !dflt!.startsWith('`')) continue;
    const shown = dflt!.slice(1, -1);
    let value: unknown;
    try {
      value = JSON.parse(shown.replace(/\\\|/g, '|'));
    } catch {
      value = shown; // durations, sizes and cron patterns are shown as written
    }
    const path = keyPath(key!);
    let at = input;
    for (const k of path.slice(0, -1)) at = (at[k] ??= {}) as Record<string, unknown>;
    at[path[path.length - 1]!] = value;
  }
  return input;
}

test('the build wrote the schema\'s defaults to dist/config/defaults.json, which check reads (run `npm run build` after changing the schema)', () => {
  expect(built()).toEqual(JSON.parse(JSON.stringify(configSchema.parse({}))));
});

test('every default the README shows, written in a config file, is exactly what check runs with', () => {
  const input = readmeDefaults();
  const leaves = (o: object): number => Object.values(o).reduce<number>((n, v) => n + (v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length ? leaves(v) : 1), 0);
  expect(leaves(input)).toBeGreaterThan(80);
  expect(input).toHaveProperty('timeout');
  expect((input.alerting as { rules: Record<string, unknown> }).rules['servers.down']).toEqual({ enabled: false });
  expect(JSON.parse(JSON.stringify(configSchema.parse(input)))).toEqual(built());
});

describe('check without a config file', () => {
  // A hub that never answers: check's message names the timeout it waited, the `timeout` default.
  let hung: http.Server;
  let url: string;
  beforeAll(async () => {
    hung = http.createServer(() => undefined);
    await new Promise<void>((r) => hung.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(hung.address() as { port: number }).port}`;
  });
  afterAll(() => {
    hung.closeAllConnections();
    return new Promise<void>((r) => hung.close(() => r()));
  });

  test('takes its defaults from dist/config/defaults.json: a default changed there changes what check does', () => {
    // A copy of the installed package whose built defaults say `timeout: 400ms`, as a build would after the
    // schema's default changed.
    const pkg = tempDir('mhm-pkg-');
    cpSync(root('bin'), join(pkg, 'bin'), { recursive: true });
    cpSync(root('dist/bundle'), join(pkg, 'dist/bundle'), { recursive: true });
    mkdirSync(join(pkg, 'dist/config'));
    writeFileSync(join(pkg, 'dist/config/defaults.json'), JSON.stringify({ ...(built() as object), timeout: 400 }));
    symlinkSync(root('node_modules'), join(pkg, 'node_modules'));
    const run = spawnSync(process.execPath, [join(pkg, 'bin/mcp-hub-monitor.cjs'), 'check', '--hub', url, '--json'], { env: isolatedEnv(), encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(2);
    expect(JSON.parse(run.stdout).checks[0].message).toContain('no complete response within the 400ms timeout');
  });
});
