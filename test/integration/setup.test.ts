/**
 * `setup` into a temp HOME/XDG_*, with a fake `crontab` and a fake `systemctl` on PATH (the real ones would
 * change this machine): files, modes, idempotency, and an uninstall that leaves nothing it installed.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { defaultConfig } from '../../src/config/defaults.js';
import { CLI_PATH, isolatedEnv, runCli } from '../support/cli.js';
import { skipUnless, tool } from '../support/requires.js';
import { tempDir } from '../support/temp-dir.js';

const SYSTEMD_ANALYZE = tool('systemd-analyze', 'systemd');


interface Box { env: Record<string, string>; home: string; crontab: string; systemctlLog: string; state: string; config: string }

/** A temp home with fake crontab/flock/systemctl; `systemd` says whether a user session "exists". */
function box(opts: { systemd?: boolean; crontab?: boolean; flock?: boolean } = {}): Box {
  const home = tempDir('mhm-setup-');
  const bin = join(home, 'bin');
  mkdirSync(bin);
  const crontab = join(home, 'crontab.txt');
  const systemctlLog = join(home, 'systemctl.log');
  if (opts.crontab !== false) {
    writeFileSync(join(bin, 'crontab'), `#!/bin/sh\nif [ "$1" = "-l" ]; then [ -f "${crontab}" ] && exec cat "${crontab}"; echo "no crontab for $USER" >&2; exit 1; fi\nif [ "$1" = "-" ]; then cat > "${crontab}"; exit 0; fi\nexit 2\n`);
    chmodSync(join(bin, 'crontab'), 0o755);
  }
  if (opts.flock !== false) {
    writeFileSync(join(bin, 'flock'), '#!/bin/sh\nexit 0\n');
    chmodSync(join(bin, 'flock'), 0o755);
  }
  writeFileSync(join(bin, 'systemctl'), `#!/bin/sh\necho "$@" >> "${systemctlLog}"\nif [ "$2" = "show-environment" ]; then ${opts.systemd ? 'exit 0' : 'echo "Failed to connect to bus: No medium found" >&2; exit 1'}; fi\nexit 0\n`);
  chmodSync(join(bin, 'systemctl'), 0o755);
  // Only our fakes and the basics: no real crontab/systemctl can be reached.
  for (const tool of ['sh', 'cat', 'echo']) {
    try { writeFileSync(join(bin, tool), readFileSync(`/bin/${tool}`)); chmodSync(join(bin, tool), 0o755); } catch { /* builtin */ }
  }
  const env = isolatedEnv({ HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_STATE_HOME: join(home, '.local', 'state'), PATH: `${bin}:/bin:/usr/bin`.replace(/:\/usr\/bin$/, '') });
  env.PATH = bin;
  return { env, home, crontab, systemctlLog, state: join(home, '.local', 'state', 'mcp-hub', 'monitoring'), config: join(home, '.config', 'mcp-hub-monitor', 'config.yaml') };
}

const mode = (p: string) => statSync(p).mode & 0o777;

test('--print shows the cron line (flock -n, absolute paths, never npx) and touches nothing', async () => {
  const b = box();
  const r = await runCli(['setup', '--mode', 'cron', '--print'], b.env);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(new RegExp(`\\* \\* \\* \\* \\* flock -n \\S+cron-daemon.lock ${process.execPath.replace(/[/.]/g, '\\$&')} \\S+mcp-hub-monitor\\.cjs daemon --config `));
  expect(r.stdout).not.toMatch(/npx/);
  expect(existsSync(b.state)).toBe(false);
  expect(existsSync(b.config)).toBe(false);
  expect(existsSync(b.crontab)).toBe(false);
});

test('cron: installs dirs 0700, a config 0600 that loads as the defaults, one marked crontab line; twice changes nothing; uninstall removes exactly that', async () => {
  const b = box();
  writeFileSync(b.crontab, '0 3 * * * /usr/local/bin/backup\n');
  const first = await runCli(['setup', '--mode', 'cron'], b.env);
  expect(first.code).toBe(0);
  for (const d of ['', 'baselines', 'reports', 'logs']) expect(mode(join(b.state, d))).toBe(0o700);
  expect(mode(b.config)).toBe(0o600);
  const uncommented = readFileSync(b.config, 'utf8').split('\n').map((l) => l.replace(/^# ?/, '')).filter((l) => !/^(mcp-hub-monitor configuration|Uncomment)/.test(l)).join('\n');
  const probe = join(b.home, 'uncommented.yaml');
  writeFileSync(probe, uncommented);
  expect(await loadConfig(probe, true)).toEqual({ ...defaultConfig(), file: probe });
  const tab = readFileSync(b.crontab, 'utf8');
  expect(tab.split('\n').filter(Boolean)).toHaveLength(2);
  expect(tab).toContain('/usr/local/bin/backup');
  expect(tab).toContain(CLI_PATH);

  const again = await runCli(['setup', '--mode', 'cron'], b.env);
  expect(again.stdout).toMatch(/nothing to change/);
  expect(readFileSync(b.crontab, 'utf8')).toBe(tab);

  const un = await runCli(['setup', '--uninstall'], b.env);
  expect(un.code).toBe(0);
  expect(readFileSync(b.crontab, 'utf8')).toBe('0 3 * * * /usr/local/bin/backup\n');
  expect(existsSync(b.config)).toBe(false);
  expect(existsSync(b.state)).toBe(false);
});

test('a config the user changed is kept by setup (and by uninstall); --force replaces it after a backup', async () => {
  const b = box();
  await runCli(['setup', '--mode', 'cron'], b.env);
  writeFileSync(b.config, 'hubs: [http://127.0.0.1:7000]\n');
  const kept = await runCli(['setup', '--mode', 'cron'], b.env);
  expect(kept.stdout).toMatch(/kept .*config\.yaml \(exists; --force replaces it/);
  expect(readFileSync(b.config, 'utf8')).toBe('hubs: [http://127.0.0.1:7000]\n');
  const forced = await runCli(['setup', '--mode', 'cron', '--force'], b.env);
  expect(forced.stdout).toMatch(/backed up .*config\.yaml to .*\.bak-/);
  const backup = /to (\S+\.bak-\S+)/.exec(forced.stdout)![1]!;
  expect(readFileSync(backup, 'utf8')).toBe('hubs: [http://127.0.0.1:7000]\n');
  writeFileSync(b.config, 'hubs: []\n');
  const un = await runCli(['setup', '--uninstall'], b.env);
  expect(un.stdout).toMatch(/kept .*config\.yaml \(you changed it\)/);
  expect(existsSync(b.config)).toBe(true);
});

test('systemd: a user unit running the daemon by absolute path, enabled once; twice calls systemctl no more; uninstall disables and removes it', async () => {
  const b = box({ systemd: true });
  const r = await runCli(['setup'], b.env); // auto picks systemd when a user session answers
  expect(r.code).toBe(0);
  const unit = join(b.home, '.config', 'systemd', 'user', 'mcp-hub-monitor.service');
  const text = readFileSync(unit, 'utf8');
  expect(text).toMatch(/^Type=simple$/m);
  expect(text).toContain(`ExecStart=${process.execPath} ${CLI_PATH} daemon --config ${b.config} --state-dir ${b.state}`);
  expect(text).toContain('ExecReload=/bin/kill -HUP $MAINPID');
  const calls = () => readFileSync(b.systemctlLog, 'utf8').split('\n').filter((l) => l && !l.includes('show-environment'));
  expect(calls()).toEqual(['--user daemon-reload', '--user enable --now mcp-hub-monitor.service']);
  await runCli(['setup'], b.env);
  expect(calls()).toHaveLength(2);
  await runCli(['setup', '--uninstall'], b.env);
  expect(calls()).toContain('--user disable --now mcp-hub-monitor.service');
  expect(existsSync(unit)).toBe(false);
});

test('systemd-analyze verify accepts the unit: every directive known and well-formed, the binaries there', skipUnless(SYSTEMD_ANALYZE), async () => {
  const b = box({ systemd: true });
  expect((await runCli(['setup'], b.env)).code).toBe(0);
  const unit = join(b.home, '.config', 'systemd', 'user', 'mcp-hub-monitor.service');
  // systemd's own parser prints nothing about a unit it accepts.
  const verified = spawnSync(SYSTEMD_ANALYZE.path!, ['verify', unit], { encoding: 'utf8' });
  expect(verified.stderr.split('\n').filter((l) => l.includes(unit))).toEqual([]);
  expect(verified.status).toBe(0);
});

test('without systemd and without crontab, setup explains instead of half-installing', async () => {
  const b = box({ systemd: false, crontab: false });
  const r = await runCli(['setup'], b.env);
  expect(r.code).toBe(3);
  expect(r.stderr).toMatch(/crontab is not installed/);
  expect(existsSync(b.config)).toBe(false);
  const sd = await runCli(['setup', '--mode', 'systemd'], b.env);
  expect(sd.code).toBe(3);
  expect(sd.stderr).toMatch(/no systemd user session .*loginctl enable-linger/);
});

test('setup --print plans only what this machine can install: no scheduler at all is exit 3 at plan time, naming both', async () => {
  const b = box({ systemd: false, crontab: false });
  const auto = await runCli(['setup', '--print'], b.env);
  expect(auto.code).toBe(3);
  expect(auto.stdout).toBe('');
  expect(auto.stderr).toMatch(/^mcp-hub-monitor: setup: no scheduler to run the daemon here: systemd: no systemd user session .*; cron: crontab is not installed \(Debian: apt-get install cron\)\. Fix either, or run `mcp-hub-monitor daemon` under a supervisor of your own\n$/);
  // The mode asked for is shown, with why it cannot be installed here, and the same exit as setup.
  const cron = await runCli(['setup', '--print', '--mode', 'cron'], b.env);
  expect(cron.code).toBe(3);
  expect(cron.stdout).toMatch(/^setup would install \(mode cron\):/);
  expect(cron.stdout.trimEnd().split('\n').at(-1)).toBe('setup cannot install this here: crontab is not installed (Debian: apt-get install cron)');
  expect(existsSync(b.state)).toBe(false);
});

test('auto picks cron only when crontab and flock are there; the advice names the other mode only when it works', async () => {
  const withCron = box({ systemd: false });
  const plan = await runCli(['setup', '--print'], withCron.env);
  expect(plan.code).toBe(0);
  expect(plan.stdout).toMatch(/^setup would install \(mode cron\):/);
  const sd = await runCli(['setup', '--mode', 'systemd'], withCron.env);
  expect(sd.stderr).toMatch(/no systemd user session .*loginctl enable-linger \$USER` first, or use --mode cron\. /);
  const noFlock = box({ systemd: false, flock: false });
  const r = await runCli(['setup'], noFlock.env);
  expect(r.code).toBe(3);
  expect(r.stderr).toMatch(/cron: flock is not installed/);
});

const TAP_ARGS = ['--tap', '127.0.0.1:7001', '--hub', 'http://127.0.0.1:7000'];
const unitDir = (b: Box) => join(b.home, '.config', 'systemd', 'user');
/** A unit's lines without ExecStart, ExecReload and Description: what the daemon's and the tap's share. */
const shared = (unit: string) => unit.split('\n').filter((l) => !/^(ExecStart|ExecReload|Description)=/.test(l));

test('systemd --tap: the tap as a second user unit beside the daemon, the same hardening, enabled with it; a setup without --tap stops and removes it; uninstall too', async () => {
  const b = box({ systemd: true });
  const printed = await runCli(['setup', '--print', ...TAP_ARGS], b.env);
  expect(printed.code).toBe(0);
  expect(printed.stdout).toContain(`file ${join(unitDir(b), 'mcp-hub-monitor-tap.service')} (0644):`);
  expect(printed.stdout).toContain('systemctl --user enable --now mcp-hub-monitor.service mcp-hub-monitor-tap.service');
  expect(existsSync(unitDir(b))).toBe(false);

  expect((await runCli(['setup', ...TAP_ARGS], b.env)).code).toBe(0);
  const tapUnit = join(unitDir(b), 'mcp-hub-monitor-tap.service');
  const tap = readFileSync(tapUnit, 'utf8');
  const daemon = readFileSync(join(unitDir(b), 'mcp-hub-monitor.service'), 'utf8');
  expect(tap).toContain(`ExecStart=${process.execPath} ${CLI_PATH} tap --listen 127.0.0.1:7001 --hub http://127.0.0.1:7000 --config ${b.config} --state-dir ${b.state}\n`);
  expect(shared(tap)).toEqual(shared(daemon));
  expect(tap).not.toContain('ExecReload');
  expect(mode(tapUnit)).toBe(0o644);
  const calls = () => readFileSync(b.systemctlLog, 'utf8').split('\n').filter((l) => l && !l.includes('show-environment'));
  expect(calls()).toEqual(['--user daemon-reload', '--user enable --now mcp-hub-monitor.service mcp-hub-monitor-tap.service']);
  await runCli(['setup', ...TAP_ARGS], b.env);
  expect(calls()).toHaveLength(2); // twice changes nothing

  const without = await runCli(['setup'], b.env);
  expect(without.stdout).toContain(`removed ${tapUnit}`);
  expect(calls()).toContain('--user disable --now mcp-hub-monitor-tap.service');
  expect(existsSync(tapUnit)).toBe(false);

  await runCli(['setup', ...TAP_ARGS], b.env);
  expect(existsSync(tapUnit)).toBe(true);
  await runCli(['setup', '--uninstall'], b.env);
  expect(calls().filter((l) => l.startsWith('--user disable --now')).slice(-2)).toEqual(['--user disable --now mcp-hub-monitor-tap.service', '--user disable --now mcp-hub-monitor.service']);
  expect(existsSync(tapUnit)).toBe(false);
});

test('systemd-analyze verify accepts the tap\'s unit', skipUnless(SYSTEMD_ANALYZE), async () => {
  const b = box({ systemd: true });
  expect((await runCli(['setup', ...TAP_ARGS], b.env)).code).toBe(0);
  const unit = join(unitDir(b), 'mcp-hub-monitor-tap.service');
  const verified = spawnSync(SYSTEMD_ANALYZE.path!, ['verify', unit], { encoding: 'utf8' });
  expect(verified.stderr.split('\n').filter((l) => l.includes(unit))).toEqual([]);
  expect(verified.status).toBe(0);
});

test('cron --tap: a second marked line runs the tap under its own flock; uninstall removes both', async () => {
  const b = box();
  expect((await runCli(['setup', '--mode', 'cron', ...TAP_ARGS], b.env)).code).toBe(0);
  const lines = readFileSync(b.crontab, 'utf8').trim().split('\n');
  expect(lines).toHaveLength(2);
  expect(lines[1]).toContain(`flock -n ${join(b.state, 'cron-tap.lock')} ${process.execPath} ${CLI_PATH} tap --listen 127.0.0.1:7001 --hub http://127.0.0.1:7000 --config ${b.config} --state-dir ${b.state} >>${join(b.state, 'logs', 'tap.log')} 2>&1 `);
  await runCli(['setup', '--uninstall'], b.env);
  expect(readFileSync(b.crontab, 'utf8')).toBe('');
});

test('setup --tap without its one hub, or with no host:port, is a usage error that installs nothing', async () => {
  const b = box({ systemd: true });
  for (const [args, message] of [
    [['--tap', '127.0.0.1:7001'], /setup --tap: give the one hub the tap fronts with --hub \(got 0\)/],
    [['--tap', '7001', '--hub', 'http://127.0.0.1:7000'], /setup --tap: not host:port \(got "7001"\)/],
    [['--tap', '127.0.0.1:7001', '--hub', 'localhost:7000'], /setup --hub: the tap fronts an http:\/\/ hub URL/],
  ] as const) {
    const r = await runCli(['setup', ...args], b.env);
    expect([r.code, r.stderr]).toEqual([3, expect.stringMatching(message)]);
  }
  expect(existsSync(b.state)).toBe(false);
  expect(existsSync(unitDir(b))).toBe(false);
});

test('setup --tap on a non-loopback address is refused (exit 3, installs nothing) unless the config sets tap.token, as the tap itself requires', async () => {
  const b = box({ systemd: true });
  const exposed = ['--tap', '0.0.0.0:7001', '--hub', 'http://127.0.0.1:7000'];
  for (const args of [exposed, [...exposed, '--print']]) {
    const r = await runCli(['setup', ...args], b.env);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`setup --tap 0.0.0.0:7001: not a loopback address, and no tap.token is set in ${b.config}`);
    expect(r.stderr).toMatch(/Set tap\.token .* or use --tap 127\.0\.0\.1:7001/);
  }
  expect(existsSync(b.state)).toBe(false);
  expect(existsSync(unitDir(b))).toBe(false);
  expect(existsSync(b.config)).toBe(false);

  mkdirSync(join(b.config, '..'), { recursive: true });
  writeFileSync(b.config, 'tap:\n  token: short\n');
  const weak = await runCli(['setup', ...exposed], b.env);
  expect([weak.code, weak.stderr]).toEqual([3, expect.stringMatching(/tap token: at least 16 printable ASCII characters/)]);
  expect(existsSync(unitDir(b))).toBe(false);

  writeFileSync(b.config, 'tap:\n  token: a-long-enough-tap-token\n');
  const ok = await runCli(['setup', ...exposed], b.env);
  expect(ok.code).toBe(0);
  expect(readFileSync(join(unitDir(b), 'mcp-hub-monitor-tap.service'), 'utf8')).toContain(' tap --listen 0.0.0.0:7001 --hub http://127.0.0.1:7000 ');
  expect(ok.stdout + ok.stderr).not.toContain('a-long-enough-tap-token');
  // Loopback needs no token (the config above is not read for it).
  writeFileSync(b.config, 'tap: [not, a, section]\n');
  expect((await runCli(['setup', '--print', ...TAP_ARGS], b.env)).code).toBe(0);
});
