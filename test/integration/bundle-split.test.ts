/**
 * The bundle follows the command table (scripts/bundle.mjs): main.cjs holds the modules of the commands the
 * table starts inline (check) and no other command module, and every other module of the table is its own
 * file that main.cjs requires only when one of its commands runs. A command module inlined into main.cjs
 * would be parsed by every cron'd `check`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { COMMAND_MODULES, COMMANDS } from '../../src/cli/commands.js';

const bundle = (file: string) => new URL(`../../dist/bundle/${file}`, import.meta.url);
const main = readFileSync(bundle('main.cjs'), 'utf8');
/** The source modules in a bundle file, from the `// src/…` line esbuild puts before each. */
const modulesIn = (text: string) => new Set([...text.matchAll(/^\/\/ (src\/\S+\.ts)$/gm)].map((m) => m[1] as string));
const inline = new Set<string>(COMMANDS.filter((c) => c.startup === 'inline').map((c) => c.module));

test('main.cjs holds the inline commands\' modules and no other command module', () => {
  const inMain = modulesIn(main);
  expect(inMain.has('src/cli/main.ts')).toBe(true); // the markers are there to read
  expect([...inMain].filter((m) => m.startsWith('src/cli/commands/')).sort()).toEqual([...inline].map((m) => `src/cli/commands/${m}.ts`).sort());
});

test.each(Object.keys(COMMAND_MODULES).filter((m) => !inline.has(m)))('the %s module is a file of its own, required lazily by main.cjs', (name) => {
  expect(existsSync(bundle(`cmd-${name}.cjs`))).toBe(true);
  expect(modulesIn(readFileSync(bundle(`cmd-${name}.cjs`), 'utf8')).has(`src/cli/commands/${name}.ts`)).toBe(true);
  expect(main).toContain(`require("./cmd-${name}.cjs")`);
});
