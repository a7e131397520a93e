import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { alert, batch, firingBatch, hostileBatch, resolvedBatch, stormBatch } from '../../test/support/alert-batches.js';
import { createDesktopNotifier, desktopSchema, desktopUrgency, renderDesktop } from './desktop.js';
import type { NotifierLogger } from './types.js';
import { tempDir } from '../../test/support/temp-dir.js';

const log: NotifierLogger = { info() {}, warn() {}, error() {} };
const cfg = { app_name: 'mcp-hub-monitor' };

afterEach(() => {
  vi.unstubAllEnvs();
});

/** A temp dir holding a fake `notify-send` (a /bin/sh script with the given body); returns the dir and the args file. */
function fakeNotifySend(body: string): { dir: string; argsFile: string } {
  const dir = tempDir('mhm-notify-send-');
  const argsFile = join(dir, 'args');
  writeFileSync(join(dir, 'notify-send'), `#!/bin/sh\n${body}\n`);
  chmodSync(join(dir, 'notify-send'), 0o755);
  return { dir, argsFile };
}
// Records each argument NUL-terminated, so newlines inside one survive.
const RECORD = `for a in "$@"; do printf '%s\\000' "$a"; done > "$MHM_FAKE_ARGS"`;

describe('renderDesktop', () => {
  test('argv: app name, urgency, then -- so hub text is never an option', () => {
    expect(renderDesktop(firingBatch(), cfg)).toEqual([
      '--app-name=mcp-hub-monitor', '--urgency=critical', '--', '[FIRING:1] server crashy is down', '[CRITICAL] server crashy is down',
    ]);
  });

  test.each([
    [batch([alert('a', { severity: 'critical' })]), 'critical'],
    [batch([alert('a', { severity: 'warning' })]), 'normal'],
    [batch([alert('a', { severity: 'info' })]), 'low'],
    [resolvedBatch(), 'low'],
  ])('urgency %#: %s', (b, urgency) => {
    expect(desktopUrgency(b)).toBe(urgency);
  });

  test('hostile text: controls stripped, body markup escaped, a leading dash stays an argument', () => {
    const argv = renderDesktop(hostileBatch(), cfg);
    expect(argv.slice(3)).toEqual([
      '[FIRING:1] server ]0;pwned<script>alert(1)</script> *bold* <!channel> is down',
      '[CRITICAL] server ]0;pwned&lt;script&gt;alert(1)&lt;/script&gt; *bold* &lt;!channel&gt; is down',
    ]);
    expect(renderDesktop(batch([alert('x', { summary: '--icon=/etc/passwd' })]), cfg)[3]).toBe('[FIRING:1] --icon=/etc/passwd');
  });

  test('5,000 alerts: five lines, then "+4995 more"', () => {
    expect(renderDesktop(stormBatch(), cfg)[4]?.split('\n').at(-1)).toBe('+4995 more');
  });
});

describe('unavailable()', () => {
  test('notify-send not on PATH (an empty dir) gives a reason, and send is skipped, not retried', async () => {
    vi.stubEnv('PATH', tempDir('mhm-empty-'));
    vi.stubEnv('DBUS_SESSION_BUS_ADDRESS', 'unix:path=/run/user/1000/bus');
    const n = createDesktopNotifier('desk', cfg, { log, timeoutMs: 2000 });
    expect(await n.unavailable?.()).toBe('notify-send is not on PATH (install libnotify-bin or libnotify)');
    expect(await n.send(firingBatch(), new AbortController().signal))
      .toEqual({ kind: 'skipped', reason: 'notify-send is not on PATH (install libnotify-bin or libnotify)' });
  });

  test('notify-send present but no session bus or display (cron, ssh) gives a reason', async () => {
    vi.stubEnv('PATH', fakeNotifySend('exit 0').dir);
    vi.stubEnv('DBUS_SESSION_BUS_ADDRESS', undefined);
    vi.stubEnv('DISPLAY', undefined);
    vi.stubEnv('WAYLAND_DISPLAY', undefined);
    const n = createDesktopNotifier('desk', cfg, { log, timeoutMs: 2000 });
    expect(await n.unavailable?.()).toMatch(/^no desktop session/);
    expect((await n.send(firingBatch(), new AbortController().signal)).kind).toBe('skipped');
  });
});

describe('sending through a fake notify-send', () => {
  const withFake = (body: string) => {
    const fake = fakeNotifySend(body);
    vi.stubEnv('PATH', fake.dir);
    vi.stubEnv('DBUS_SESSION_BUS_ADDRESS', 'unix:path=/run/user/1000/bus');
    vi.stubEnv('MHM_FAKE_ARGS', fake.argsFile);
    return fake;
  };

  test('it is available, and called with the rendered argv', async () => {
    const fake = withFake(RECORD);
    const n = createDesktopNotifier('desk', cfg, { log, timeoutMs: 5000 });
    expect(await n.unavailable?.()).toBeUndefined();
    expect(await n.send(hostileBatch(), new AbortController().signal)).toEqual({ kind: 'sent' });
    const args = readFileSync(fake.argsFile, 'utf8').split('\0').slice(0, -1);
    expect(args).toEqual(renderDesktop(hostileBatch(), cfg));
  });

  test('a non-zero exit is failed with its stderr', async () => {
    withFake(`echo 'GDBus.Error: no notification daemon' >&2; exit 1`);
    expect(await createDesktopNotifier('desk', cfg, { log, timeoutMs: 5000 }).send(firingBatch(), new AbortController().signal))
      .toEqual({ kind: 'failed', error: 'notify-send exited with 1: GDBus.Error: no notification daemon' });
  });

  test('a notify-send that hangs is killed at the deadline and retried', async () => {
    withFake('exec /bin/sleep 30');
    const started = Date.now();
    const d = await createDesktopNotifier('desk', cfg, { log, timeoutMs: 300 }).send(firingBatch(), new AbortController().signal);
    expect(d).toEqual({ kind: 'retry', error: 'notify-send: no exit within 300ms' });
    expect(Date.now() - started).toBeLessThan(3000);
  });
});

describe('desktopSchema', () => {
  test('app_name defaults', () => {
    expect(desktopSchema.parse({})).toEqual({ app_name: 'mcp-hub-monitor' });
  });
});
