/**
 * Every kind of user-facing error (src/errors.ts), raised in the bundle file of the command that meets it
 * (main.cjs for check, a cmd-*.cjs for the others, each with its own copy of the error classes), is one
 * line `mcp-hub-monitor: <problem>. <hint>` on stderr, nothing on stdout, exit 3: never "internal error".
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect, test } from 'vitest';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/temp-dir.js';

/** A state dir as the daemon makes it (0700), empty. */
function stateDir(): string {
  const dir = join(tempDir('mhm-errors-'), 'state');
  mkdirSync(dir, { mode: 0o700 });
  return dir;
}

function badConfig(): string {
  const file = join(tempDir('mhm-errors-cfg-'), 'config.yaml');
  writeFileSync(file, 'check:\n  sucess_rate:\n    warning: 90\n');
  return file;
}

const refused = 'http://127.0.0.1:9';

const CASES: [kind: string, args: () => string[], line: (args: string[]) => RegExp][] = [
  ['USAGE on the fast path (main.cjs)', () => ['check', '--timeout', 'soon', '--hub', refused], () => /^--timeout: not a duration \(got "soon"\)\. Write a number and a unit/],
  ['USAGE from commander', () => ['status', '--bogus'], () => /^unknown option '--bogus'/],
  ['USAGE in a command file', () => ['export', 'nagios'], () => /^export: unknown target "nagios"/],
  ['CONFIG_INVALID on the fast path', () => ['check', '--config', badConfig(), '--hub', refused], () => /config\.yaml: check\.sucess_rate: unknown key\. Check the spelling/],
  ['CONFIG_INVALID in a command file', () => ['daemon', '--config', badConfig(), '--state-dir', stateDir()], () => /config\.yaml: check\.sucess_rate: unknown key\. Check the spelling/],
  ['STATE_DIR_NOT_DIR', () => { const f = join(tempDir('mhm-errors-'), 'file'); writeFileSync(f, ''); return ['daemon', '--state-dir', f, '--hub', refused]; },
    (a) => new RegExp(`^${a[2]}: not a directory\\. Remove it or choose another --state-dir\\.$`)],
  ['STATE_DIR_PERMISSIONS', () => { const d = stateDir(); chmodSync(d, 0o777); return ['daemon', '--state-dir', d, '--hub', refused]; },
    (a) => new RegExp(`^${a[2]}: the state dir is group- or world-writable \\(mode 0777\\), so another user could replace its files\\. Check its contents, then chmod 0700`)],
  ['STORE_SCHEMA_NEWER', () => {
    const d = stateDir();
    const db = new Database(join(d, 'history.sqlite'));
    db.pragma('user_version = 999');
    db.close();
    return ['status', '--state-dir', d];
  }, (a) => new RegExp(`^${a[2]}/history\\.sqlite: schema version 999 is newer than this mcp-hub-monitor understands \\(\\d+\\)\\. Upgrade mcp-hub-monitor\\.$`)],
  ['STORE_CORRUPT', () => { const d = stateDir(); writeFileSync(join(d, 'history.sqlite'), Buffer.alloc(8192, 0x5a)); return ['status', '--state-dir', d]; },
    (a) => new RegExp(`^${a[2]}/history\\.sqlite: the history database is damaged \\(.*\\)\\. The daemon moves it aside`)],
  ['LOCK_HELD', () => {
    const d = stateDir();
    // This test process is a live node process: a daemon holding the lock as far as the CLI can tell.
    writeFileSync(join(d, 'daemon.lock'), JSON.stringify({ pid: process.pid, startedAt: Date.now(), hostname: hostname(), token: 'x' }), { mode: 0o600 });
    return ['daemon', '--state-dir', d, '--hub', refused, '--no-sse'];
  }, (a) => new RegExp(`^${a[2]}/daemon\\.lock: held by pid ${process.pid} on .*\\. Another mcp-hub-monitor daemon is using this state dir; stop it first`)],
];

test.each(CASES)('%s: one line, exit 3', async (_kind, makeArgs, line) => {
  const args = makeArgs();
  const run = await runCli(args);
  expect(run.stdout).toBe('');
  expect(run.code).toBe(3);
  const lines = run.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^mcp-hub-monitor: /);
  expect(lines[0]!.slice('mcp-hub-monitor: '.length)).toMatch(line(args));
  expect(run.stderr).not.toMatch(/internal error/);
}, 20_000);
