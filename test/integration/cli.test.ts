/** The CLI contract (docs/DESIGN.md §4): help, version, usage errors exit 3 with one line naming the problem. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { isolatedEnv, runCli } from '../support/cli.js';
import { tempDir } from '../support/temp-dir.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

test('--version prints the package version and exits 0', async () => {
  const run = await runCli(['--version']);
  expect(run).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });
});

test('--help lists the global options and the check command and exits 0', async () => {
  const run = await runCli(['--help']);
  expect(run.code).toBe(0);
  for (const opt of ['--hub <url>', '--config <file>', '--state-dir <dir>', '--json', '--no-color', '--timeout <duration>', 'check']) {
    expect(run.stdout).toContain(opt);
  }
  const sub = await runCli(['check', '--help']);
  expect(sub.code).toBe(0);
  expect(sub.stdout).toContain('--format <format>');
});

test.each([
  [['check', '--bogus'], /unknown option '--bogus'/],
  [['nosuchcommand'], /unknown command 'nosuchcommand'/],
  [['check', '--timeout', 'soon'], /--timeout: not a duration \(got "soon"\)/],
  [['check', '--timeout', '5'], /--timeout: not a duration \(got "5"\)\. Write a number and a unit/],
  [['check', '--format', 'xml'], /argument 'xml' is invalid.*human, json, nagios/],
  [['check', '--hub', 'ftp://example'], /--hub: not an http\(s\) URL \(got "ftp:\/\/example"\)/],
  [['check', '--hub'], /option '--hub <url>' argument missing/],
])('bad usage %j exits 3 with one line naming the problem', async (args, message) => {
  const run = await runCli(args);
  expect(run.code).toBe(3);
  expect(run.stdout).toBe('');
  const lines = run.stderr.trim().split('\n');
  expect(lines[0]).toMatch(message);
  expect(lines[0]).toMatch(/^mcp-hub-monitor: /);
});

test.each([
  ['unknown key', 'check:\n  sucess_rate:\n    warning: 90\n', /config\.yaml: check\.sucess_rate: unknown key/],
  // Once a record of any string: a misspelt rule id was an override that never applied.
  ['misspelt rule id', 'alerting:\n  rules:\n    hub.reachible:\n      enabled: false\n', /config\.yaml: alerting\.rules\.hub\.reachible: unknown rule id\. Did you mean "hub\.reachable"\?/],
  ['unknown rule id', 'alerting:\n  rules:\n    disk.usage:\n      enabled: false\n', /config\.yaml: alerting\.rules\.disk\.usage: unknown rule id\. Rule ids: hub\.reachable, .*, daemon\.running/],
  ['wrong type', 'check:\n  success_rate:\n    warning: high\n', /config\.yaml: check\.success_rate\.warning: .*\(got "high"\)/],
  ['bad duration', 'timeout: 5 minutes\n', /config\.yaml: timeout: not a duration \(got "5 minutes"\)\. Write a number and a unit/],
  ['broken YAML', 'check: [\n', /config\.yaml: line \d+, column \d+: invalid YAML/],
])('a config with %s exits 3 naming the file and key', async (_name, yaml, message) => {
  const dir = tempDir('mhm-badcfg-');
  const file = join(dir, 'config.yaml');
  writeFileSync(file, yaml);
  const run = await runCli(['check', '--config', file, '--hub', 'http://127.0.0.1:9']);
  expect(run.code).toBe(3);
  expect(run.stderr).toMatch(message);
  expect(run.stderr).toContain(file);
});

test('the default config file is read from $XDG_CONFIG_HOME/mcp-hub-monitor/config.yaml', async () => {
  const env = isolatedEnv();
  const dir = join(env.XDG_CONFIG_HOME!, 'mcp-hub-monitor');
  (await import('node:fs')).mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.yaml'), 'check:\n  nope: 1\n');
  const run = await runCli(['check', '--hub', 'http://127.0.0.1:9'], env);
  expect(run.code).toBe(3);
  expect(run.stderr).toContain(join(dir, 'config.yaml'));
});

test('an explicit --config that does not exist is an error, not silently defaults', async () => {
  const run = await runCli(['check', '--config', '/nonexistent/mhm.yaml', '--hub', 'http://127.0.0.1:9']);
  expect(run.code).toBe(3);
  expect(run.stderr).toMatch(/\/nonexistent\/mhm\.yaml: file not found/);
});

test('--json prints exactly one JSON document on stdout, even for an unreachable hub', async () => {
  const run = await runCli(['check', '--hub', 'http://127.0.0.1:9', '--json']);
  expect(run.code).toBe(2);
  const doc = JSON.parse(run.stdout) as { status: string; exitCode: number; checks: { id: string }[] };
  expect(doc).toMatchObject({ status: 'critical', exitCode: 2 });
  expect(doc.checks[0]!.id).toBe('hub.reachable');
});

test('MCP_HUB_URL is used when neither --hub nor config names a hub', async () => {
  const run = await runCli(['check', '--json'], isolatedEnv({ MCP_HUB_URL: 'http://127.0.0.1:9' }));
  expect((JSON.parse(run.stdout) as { hubs: { url: string; origin: string }[] }).hubs).toEqual([
    expect.objectContaining({ url: 'http://127.0.0.1:9', origin: 'env' }),
  ]);
});

test('with no hub named anywhere and no workspaces.json, the default is http://127.0.0.1:7000', async () => {
  const run = await runCli(['check', '--json', '--timeout', '1s']);
  expect((JSON.parse(run.stdout) as { hubs: { url: string; origin: string }[] }).hubs[0]).toMatchObject({ url: 'http://127.0.0.1:7000', origin: 'default' });
});

test.each([
  [['validate', '--hub', 'ftp://x'], /^mcp-hub-monitor: --hub: not an http\(s\) URL/],
  [['anomalies', '--window', '0s'], /^mcp-hub-monitor: --window: not a duration of at least 1s/],
  [['history', '--state-dir', '/nonexistent/mhm'], /^mcp-hub-monitor: no history at \/nonexistent\/mhm\/history\.sqlite/],
  [['daemon', '--interval', 'soon'], /^mcp-hub-monitor: --interval: not a duration/],
])('commands in their own bundles still report usage errors as one line, exit 3: %j', async (args, message) => {
  const run = await runCli(args);
  expect(run.code).toBe(3);
  expect(run.stderr.trim().split('\n')).toHaveLength(1);
  expect(run.stderr).toMatch(message);
});
