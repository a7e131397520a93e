/**
 * What a user runs — `bin/`, `preload/` and the bundled CLI in dist/bundle/ — loads only Node's own modules
 * and packages of `dependencies`: a devDependency (the MCP SDK the demo's test server uses, mcp-hub, the test
 * tools) is not installed by `npm install mcp-hub-monitor`, so a require of one would fail on a user's
 * machine although every test here passes. The demo (dist/demo/) runs from a clone, after `npm ci`.
 */
import { builtinModules } from 'node:module';
import { readdirSync, readFileSync } from 'node:fs';
import { expect, test } from 'vitest';

const root = new URL('../../', import.meta.url);
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
const builtins = new Set(builtinModules);

/** The packages a file loads: bare specifiers of require() and import(), by package name. */
function packagesLoadedBy(text: string): string[] {
  const specs = [...text.matchAll(/\b(?:require|import)\(\s*["']([^"'./][^"']*)["']\s*\)/g)].map((m) => m[1] as string);
  return specs
    .filter((s) => !s.startsWith('node:') && !builtins.has(s.split('/')[0] as string))
    .map((s) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0] as string));
}

const files = ['bin', 'preload', 'dist/bundle'].flatMap((dir) =>
  readdirSync(new URL(`${dir}/`, root)).filter((f) => /\.(c|m)?js$/.test(f)).map((f) => `${dir}/${f}`));

test('the installed CLI loads no package outside dependencies', () => {
  expect(files).toContain('dist/bundle/main.cjs');
  const outside = files.flatMap((f) => packagesLoadedBy(readFileSync(new URL(f, root), 'utf8'))
    .filter((p) => !(p in pkg.dependencies)).map((p) => `${f}: ${p}`));
  expect([...new Set(outside)]).toEqual([]);
});

test('the MCP SDK is a devDependency (for the demo\'s test server), not something every user installs', () => {
  expect(pkg.devDependencies).toHaveProperty('@modelcontextprotocol/sdk');
  expect(pkg.dependencies).not.toHaveProperty('@modelcontextprotocol/sdk');
});

test.each([
  ['require("zod")', ['zod']],
  ['await import("ink")', ['ink']],
  ['require("@modelcontextprotocol/sdk/server/mcp.js")', ['@modelcontextprotocol/sdk']],
  ['require("node:fs"); require("fs"); require("./cmd-status.cjs"); require("../dist/x.js")', []],
])('the scan reads %s as %j', (text, want) => {
  expect(packagesLoadedBy(text)).toEqual(want);
});
