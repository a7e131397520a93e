/**
 * Faults F5: server names carrying terminal escapes (OSC 0/8/52, ESC[2J, a C1 CSI, RLO, LRI, NUL, CR) and a
 * spreadsheet formula, from the real mcp-hub 4.2.1, through the daemon as a real child process: `history`'s
 * CSV on stdout shows every control and bidi character escaped; `--output` writes the stored names as data,
 * formula-guarded; the daemon's JSON log and the `command` receiver's stdin carry no raw C1 or bidi character
 * and still parse to the same names.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { waitUntil } from '../support/wait.js';
import { launchHub, testServer } from '../../src/demo/hub-launcher.js';
import { isolatedEnv, runCli } from '../support/cli.js';
import { startDaemonProcess, stateDir, waitForEvent } from '../support/daemon-process.js';
import { tempDir } from '../support/temp-dir.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const LIVE = ['osc0\x1b]0;pwned\x07', 'osc8\x1b]8;;http://evil.example/\x1b\\link\x1b]8;;\x1b\\', 'osc52\x1b]52;c;cm0gLXJmIH4=\x07', 'clear\x1b[2J', 'nul\x00cr\rx'];
const FORMULA = '=HYPERLINK("http://evil.example")';
const DEAD = ['c1csi\u009b2Jdead', 'rlo\u202eexe.txt', 'lri\u2066isolate\u2069', FORMULA];
// Every C0 (a CSV row is one terminal line), DEL, C1, bidi embeddings/overrides/isolates, U+2028/9.
const TERMINAL_UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
// JSON escapes C0 itself; these it leaves raw.
const JSON_UNSAFE = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

test('F5 hostile server names: history on stdout escapes them, --output keeps them as data, the daemon log and command stdin escape C1 and bidi', async () => {
  const dir = tempDir('mhm-escapes-');
  const servers: Record<string, ReturnType<typeof testServer>> = {};
  for (const n of LIVE) servers[n] = testServer();
  for (const n of DEAD) servers[n] = { command: join(dir, 'no-such-server') };
  const hub = await launchHub({ servers });
  cleanups.push(() => hub.stop());
  const stdinFile = join(dir, 'stdin.jsonl');
  const script = join(dir, 'receiver.mjs');
  writeFileSync(script, `import { appendFileSync } from 'node:fs';\nlet s = '';\nprocess.stdin.setEncoding('utf8').on('data', (d) => { s += d; }).on('end', () => appendFileSync(${JSON.stringify(stdinFile)}, s + '\\n'));\n`);
  const config = join(dir, 'config.yaml');
  writeFileSync(config, `probes:\n  enabled: false\nalerting:\n  group_wait: 1s\n  receivers:\n    cmd: { type: command, command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(script)}] }\n`);
  const state = stateDir();
  const env = isolatedEnv({ HOME: hub.env.HOME!, XDG_STATE_HOME: hub.env.XDG_STATE_HOME! });
  const daemon = startDaemonProcess(hub, state, ['--config', config], cleanups, { env });
  // Every dead server's alert handed to the command receiver, and a live one's sample stored.
  for (const n of DEAD) await waitForEvent(state, (e) => e.type === 'alert_firing' && e.server === n, 30_000);
  const receivedNames = (text: string) => text.split('\n').filter(Boolean).flatMap((l) => (JSON.parse(l) as { alerts: { labels: { server?: string } }[] }).alerts.map((a) => a.labels.server));
  const stdinText = () => existsSync(stdinFile) ? readFileSync(stdinFile, 'utf8') : '';
  const stdin = await waitUntil(() => { const text = stdinText(); return DEAD.every((n) => receivedNames(text).includes(n)) && text; }, { what: 'every dead server on the command receiver\'s stdin', timeoutMs: 20_000, everyMs: 100, describe: () => receivedNames(stdinText()) });
  daemon.kill('SIGTERM');
  await new Promise((r) => daemon.once('close', r));

  // The command receiver's stdin: no raw C1/bidi, and the same names when parsed.
  expect(stdin).not.toMatch(JSON_UNSAFE);
  expect(stdin).toContain('\\u009b');
  expect(stdin).toContain('\\u202e');
  expect(stdin).toContain('\\u2066');
  // The daemon's JSON log: the same, every line still JSON naming the servers as they are.
  const log = daemon.stderrText();
  expect(log).not.toMatch(JSON_UNSAFE);
  const logged = log.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { labels?: { server?: string } });
  expect(logged.map((l) => l.labels?.server)).toEqual(expect.arrayContaining(DEAD));

  // history on stdout (not a TTY here, as in a pipe or a log): every row free of control and bidi characters.
  const global = ['--state-dir', state, '--hub', hub.url];
  const runs = [
    await runCli(['history', ...global], env),
    await runCli(['history', ...global, '--series', 'server.up'], env),
    await runCli(['history', ...global, '--events'], env),
  ];
  for (const run of runs) {
    expect(run.code).toBe(0);
    for (const row of run.stdout.split('\r\n')) expect(row).not.toMatch(TERMINAL_UNSAFE);
  }
  const listed = runs[0]!.stdout;
  expect(listed).toContain('server=osc0\\x1b]0;pwned\\x07');
  expect(listed).toContain('server=nul\\x00cr\\x0dx');
  expect(listed).toContain('server=rlo<U+202E>exe.txt');
  expect(runs[2]!.stdout).toContain('c1csi\\u009b2Jdead');
  expect(runs[2]!.stdout).toContain(`,"'=HYPERLINK(""http://evil.example"")",`);

  // --output: the stored names byte for byte (a file is data), the formula guarded; stdout says where.
  const file = join(dir, 'out', 'series.csv');
  const written = await runCli(['history', ...global, '--output', file], env);
  expect(written).toMatchObject({ code: 0, stdout: `wrote ${file}\n` });
  const csv = readFileSync(file, 'utf8');
  for (const n of LIVE) expect(csv).toContain(n.includes('\r') ? `"server=${n}"` : `server=${n}`);
  expect(statSync(file).mode & 0o777).toBe(0o600);
  const events = join(dir, 'out', 'events.csv');
  expect(await runCli(['history', ...global, '--events', '--output', events], env)).toMatchObject({ code: 0 });
  const eventsCsv = readFileSync(events, 'utf8');
  expect(eventsCsv).toContain(',rlo\u202eexe.txt,');
  expect(eventsCsv).toContain(`,"'=HYPERLINK(""http://evil.example"")",`);
}, 90_000);
