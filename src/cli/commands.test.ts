import { readdirSync, readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { renderCommandsDoc } from './command-docs.js';
import { COMMAND_GROUPS, COMMAND_MODULES, COMMANDS } from './commands.js';
import { GLOBAL_OPTIONS, longFlag, optionKey, takesValue } from './options.js';

const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');

test('command names are unique, and a sub-command\'s group has a help line', () => {
  const names = COMMANDS.map((c) => c.name);
  expect(new Set(names).size).toBe(names.length);
  for (const name of names.filter((n) => n.includes(' '))) expect(COMMAND_GROUPS[name.split(' ')[0]!]).toBeTruthy();
});

test('every module in src/cli/commands/ is in the table, and every module of the table runs a command', () => {
  const files = readdirSync(new URL('src/cli/commands/', root)).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).map((f) => f.slice(0, -3));
  expect(Object.keys(COMMAND_MODULES).sort()).toEqual(files.sort());
  expect(new Set(COMMANDS.map((c) => c.module))).toEqual(new Set(Object.keys(COMMAND_MODULES)));
});

test('a command parsed without commander takes no arguments and no option with an optional value (the fast path parses neither)', () => {
  for (const c of COMMANDS.filter((s) => s.startup !== undefined)) {
    expect(c.args ?? [], c.name).toEqual([]);
    expect((c.options ?? []).filter((o) => / \[/.test(o.flags)), c.name).toEqual([]);
  }
});

test('no command option shadows a global option, and option keys are unique per command', () => {
  const globals = new Set(GLOBAL_OPTIONS.map(optionKey));
  for (const c of COMMANDS) {
    const keys = (c.options ?? []).map(optionKey);
    expect(keys.filter((k) => globals.has(k)), c.name).toEqual([]);
    expect(new Set(keys).size, c.name).toBe(keys.length);
  }
});

test.each([
  ['--state-dir <dir>', 'stateDir', true],
  ['--no-color', 'color', false],
  ['--events [type]', 'events', true],
  ['--expect-daemon', 'expectDaemon', false],
  ['--listen <host:port>', 'listen', true],
])('the option %s has key %s (as commander names it)', (flags, key, value) => {
  expect(optionKey({ flags, description: '' })).toBe(key);
  expect(takesValue({ flags, description: '' })).toBe(value);
  expect(longFlag({ flags, description: '' })).toBe(flags.split(' ')[0]);
});

test('docs/commands.md holds the table rendered: the global options and each command\'s usage and options (run `npm run docs:cli` after changing it)', () => {
  const doc = read('docs/commands.md');
  expect(renderCommandsDoc(doc)).toBe(doc);
});

test('a command without its block in docs/commands.md, or a block for no command, is an error', () => {
  const doc = read('docs/commands.md');
  expect(() => renderCommandsDoc(doc.replace(/<!-- usage:reload:start -->[\s\S]*?<!-- usage:reload:end -->/, ''))).toThrow(/usage:reload:start --> markers \(want 1\)/);
  expect(() => renderCommandsDoc(`${doc}\n<!-- usage:frobnicate:start -->\n<!-- usage:frobnicate:end -->\n`)).toThrow(/usage:frobnicate:start --> names no command/);
});

test('the README or the prose of docs/ (not the generated blocks) shows every command in use', () => {
  const generated = /<!-- ([\w:-]+):start -->[\s\S]*?<!-- \1:end -->/g;
  const docs = [read('README.md'), ...readdirSync(new URL('docs/', root)).filter((f) => f.endsWith('.md')).map((f) => read(`docs/${f}`))].join('\n').replace(generated, '');
  const undocumented = COMMANDS.map((c) => c.name).filter((name) => !new RegExp(`mcp-hub-monitor ${name}(\\s|$)`, 'm').test(docs));
  expect(undocumented).toEqual([]);
});
