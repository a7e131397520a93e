import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { waitUntil } from '../../test/support/wait.js';
import { alert, batch, firingBatch, hostileBatch, stormBatch } from '../../test/support/alert-batches.js';
import { commandSchema, createCommandNotifier, renderCommand, type CommandConfig } from './command.js';
import type { NotifierLogger } from './types.js';
import { POSIX, skipUnless } from '../../test/support/requires.js';
import { tempDir } from '../../test/support/temp-dir.js';

const log: NotifierLogger = { info() {}, warn() {}, error() {} };
const dir = tempDir('mhm-command-');
const node = process.execPath;

/** A node script that records its stdin, argv and MHM_* env to `out`, then runs `tail` (JS). */
function script(name: string, tail = ''): { file: string; out: string } {
  const file = join(dir, `${name}.mjs`);
  const out = join(dir, `${name}.json`);
  writeFileSync(file, `
import { writeFileSync } from 'node:fs';
const chunks = [];
process.stdin.on('data', (c) => chunks.push(c));
process.stdin.on('end', () => {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('MHM_') || k === 'GH_TOKEN'));
  writeFileSync(${JSON.stringify(out)}, JSON.stringify({ stdin: Buffer.concat(chunks).toString(), argv: process.argv.slice(2), env }));
  ${tail}
});
`);
  return { file, out };
}
const run = (cfg: CommandConfig, timeoutMs = 10_000, b = firingBatch()) =>
  createCommandNotifier('cmd', cfg, { log, timeoutMs }).send(b, new AbortController().signal);

describe('renderCommand', () => {
  test('argv as configured, MHM_* environment, the batch as JSON on stdin', () => {
    const b = firingBatch();
    expect(renderCommand(b, { command: ['gh', 'issue', 'create'] })).toEqual({
      argv: ['gh', 'issue', 'create'],
      env: {
        MHM_ALERT_STATUS: 'firing',
        MHM_RECEIVER: 'team',
        MHM_GROUP_KEY: '{hub="http://127.0.0.1:7000"}',
        MHM_DEDUP_KEY: 'dk-0123456789abcdef',
        MHM_IDEMPOTENCY_KEY: 'ik-fedcba9876543210',
        MHM_SEVERITY: 'critical',
        MHM_FIRING_COUNT: '1',
        MHM_RESOLVED_COUNT: '0',
        MHM_TITLE: '[FIRING:1] server crashy is down',
        MHM_EXTERNAL_URL: 'http://127.0.0.1:9090/alerts',
      },
      stdin: JSON.stringify(b),
    });
  });

  test('stdin carries C1 controls, bidi overrides and isolates \\u-escaped (faults F5): the same JSON value, nothing raw for a script to echo', () => {
    const b = batch([alert('c1\u009b2J rlo\u202eexe lri\u2066x\u2069 ls\u2028 del\u007f')]);
    const { stdin } = renderCommand(b, { command: ['notify'] });
    expect(stdin).not.toMatch(/[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/);
    expect(stdin).toContain('c1\\u009b2J rlo\\u202eexe lri\\u2066x\\u2069');
    expect(JSON.parse(stdin)).toEqual(b);
  });

  test('hostile text never reaches argv; in the environment it is one line without controls', () => {
    const r = renderCommand(hostileBatch(), { command: ['notify'] });
    expect(r.argv).toEqual(['notify']);
    expect(r.env.MHM_TITLE).toBe('[FIRING:1] server ]0;pwned<script>alert(1)</script> *bold* <!channel> is down');
  });
});

describe('running', skipUnless(POSIX), () => {
  test('exit 0 is sent; the program got the batch on stdin, MHM_* and the configured env', async () => {
    const s = script('ok');
    expect(await run({ command: [node, s.file, '--label', 'mhm'], env: { GH_TOKEN: 'ghp_SECRET123' } })).toEqual({ kind: 'sent' });
    const got = JSON.parse(readFileSync(s.out, 'utf8')) as { stdin: string; argv: string[]; env: Record<string, string> };
    expect(JSON.parse(got.stdin)).toEqual(firingBatch());
    expect(got.argv).toEqual(['--label', 'mhm']);
    expect(got.env).toMatchObject({ MHM_ALERT_STATUS: 'firing', MHM_DEDUP_KEY: 'dk-0123456789abcdef', GH_TOKEN: 'ghp_SECRET123' });
  });

  test('a non-zero exit is failed with ≤ 256 bytes of stderr, secrets redacted', async () => {
    const s = script('fail', `process.stderr.write('auth failed for ' + process.env.GH_TOKEN + ' ' + 'x'.repeat(2000)); process.exit(3);`);
    const d = await run({ command: [node, s.file], env: { GH_TOKEN: 'ghp_SECRET123' } });
    expect(d.kind).toBe('failed');
    const error = d.kind === 'failed' ? d.error : '';
    expect(error).toMatch(/^command .*node exited with 3: auth failed for <redacted> x+…$/);
    expect(Buffer.byteLength(error.slice(error.indexOf(': ') + 2))).toBeLessThanOrEqual(256);
    expect(error).not.toContain('SECRET123');
  });

  test('killed by the deadline is retry, and a shell\'s children die with it', async () => {
    const pidFile = join(dir, 'sleep.pid');
    const started = Date.now();
    const d = await run({ command: ['/bin/sh', '-c', `/bin/sleep 30 & echo $! > ${pidFile}; wait`], env: {} }, 500);
    expect(d).toEqual({ kind: 'retry', error: 'command /bin/sh: no exit within 500ms (killed)' });
    expect(Date.now() - started).toBeLessThan(3000);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    // Gone, or a zombie waiting for a PID 1 that does not reap (as in some containers): either way, dead.
    const state = () => {
      if (!existsSync('/proc/self')) { try { process.kill(pid, 0); return 'State:\tS (alive)'; } catch { return 'State:\tX (gone)'; } }
      return existsSync(`/proc/${pid}/status`) ? readFileSync(`/proc/${pid}/status`, 'utf8') : 'State:\tX (gone)';
    };
    await waitUntil(() => /^State:\t[ZX]/m.test(state()), { what: `the grandchild ${pid} to be dead`, timeoutMs: 2_000, describe: () => /^State:.*$/m.exec(state())?.[0] });
  });

  test('a program that is not there is failed', async () => {
    expect(await run({ command: ['/nonexistent/mhm-notify'], env: {} }))
      .toEqual({ kind: 'failed', error: 'command /nonexistent/mhm-notify: not found' });
  });

  test('a program that ignores a large stdin still counts by its exit code', async () => {
    expect(await run({ command: ['/bin/sh', '-c', 'exit 0'], env: {} }, 10_000, stormBatch())).toEqual({ kind: 'sent' });
  });

  test('no shell is involved: shell syntax in argv is passed literally', async () => {
    const s = script('literal');
    await run({ command: [node, s.file, '$(touch /tmp/mhm-pwned)', '; rm -rf /'], env: {} });
    expect((JSON.parse(readFileSync(s.out, 'utf8')) as { argv: string[] }).argv).toEqual(['$(touch /tmp/mhm-pwned)', '; rm -rf /']);
  });
});

describe('commandSchema', () => {
  test('command is a non-empty argv; env names are checked; env defaults to {}', () => {
    expect(commandSchema.parse({ command: ['gh'] })).toEqual({ command: ['gh'], env: {} });
    expect(commandSchema.safeParse({ command: [] }).success).toBe(false);
    expect(commandSchema.safeParse({ command: 'gh issue create' }).success).toBe(false);
    expect(commandSchema.safeParse({ command: ['gh'], env: { 'BAD-NAME': 'x' } }).success).toBe(false);
  });
});
