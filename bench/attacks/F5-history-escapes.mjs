// F5: escape injection through `history` and the JSON outputs. A real mcp-hub whose server names carry
// terminal escapes (OSC 0/8/52, ESC[2J, a C1 CSI, RLO, LRI, NUL, CR) is watched by the built daemon with a
// `command` receiver; then `history` (CSV, its default, and its stored series, samples and events) runs as a
// user would. Counted: control and bidi characters from hub data that reach the terminal through `history`,
// and C1/bidi/separator characters written raw into the daemon's JSON log and the command receiver's stdin.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchHub, testServer } from '../../dist/demo/hub-launcher.js';
import { CLI, runCli } from '../lib/store-faults.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Hostile names: live ones (their samples are stored) and dead ones (they fire alerts, so they are logged and notified). */
const LIVE = ['osc0\x1b]0;pwned\x07', 'osc8\x1b]8;;http://evil.example/\x1b\\link\x1b]8;;\x1b\\', 'osc52\x1b]52;c;cm0gLXJmIH4=\x07', 'clear\x1b[2J', 'nul\x00cr\rx'];
const DEAD = ['c1csi\u009b2Jdead', 'rlo\u202eexe.txt', 'lri\u2066isolate\u2069'];

// C0 (every one: a CSV row is one terminal line here), DEL, C1, bidi embeddings/overrides/isolates, U+2028/9.
const TERMINAL_UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// What must never be raw in JSON text meant for logs and pipes (JSON.stringify already escapes C0).
const JSON_UNSAFE = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** Terminal-unsafe characters inside CSV rows (the CRLF row ends are the format's, not data). */
const rawInCsv = (text) => text.split('\r\n').reduce((n, row) => n + (row.match(TERMINAL_UNSAFE)?.length ?? 0), 0);
const rawInJson = (text) => text.match(JSON_UNSAFE)?.length ?? 0;


export const attack = {
  id: 'F5',
  title: 'escape injection through history (CSV on the terminal), the daemon JSON log and the command receiver stdin',
  async run() {
    const dir = mkdtempSync(join(tmpdir(), 'mhm-attack-f5-'));
    const servers = {};
    for (const n of LIVE) servers[n] = testServer();
    for (const n of DEAD) servers[n] = { command: join(dir, 'no-such-server') };
    const hub = await launchHub({ servers });
    const stdinFile = join(dir, 'stdin.jsonl');
    const script = join(dir, 'receiver.mjs');
    writeFileSync(script, `import { appendFileSync } from 'node:fs';\nlet s = '';\nprocess.stdin.setEncoding('utf8').on('data', (d) => { s += d; }).on('end', () => appendFileSync(${JSON.stringify(stdinFile)}, s + '\\n'));\n`);
    writeFileSync(join(dir, 'config.yaml'), `probes:\n  enabled: false\nalerting:\n  group_wait: 1s\n  receivers:\n    cmd: { type: command, command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(script)}] }\n`);
    const env = { ...process.env, HOME: hub.env.HOME, XDG_STATE_HOME: hub.env.XDG_STATE_HOME, XDG_CONFIG_HOME: hub.env.XDG_CONFIG_HOME };
    const state = join(dir, 'state');
    const global = ['--state-dir', state, '--hub', hub.url, '--config', join(dir, 'config.yaml')];
    const daemon = spawn(process.execPath, [CLI, 'daemon', ...global, '--interval', '1s'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    daemon.stderr.setEncoding('utf8').on('data', (d) => { log += d; });
    try {
      // Until every dead server's alert reached the command receiver (or 40 s).
      const end = Date.now() + 40_000;
      while (Date.now() < end) {
        const got = existsSync(stdinFile) ? readFileSync(stdinFile, 'utf8') : '';
        if (DEAD.every((n) => got.includes(n.slice(0, 3)))) break;
        await sleep(250);
      }
      daemon.kill('SIGTERM');
      await new Promise((r) => daemon.once('close', r));
      const outputs = [
        await runCli(['history', ...global], env),
        await runCli(['history', ...global, '--series', 'server.up'], env),
        await runCli(['history', ...global, '--events', '--since', '1h'], env),
      ];
      const stdin = existsSync(stdinFile) ? readFileSync(stdinFile, 'utf8') : '';
      const inHistory = outputs.reduce((n, o) => n + rawInCsv(o.stdout), 0);
      const inLog = rawInJson(log);
      const inStdin = rawInJson(stdin);
      const seen = outputs.every((o) => o.code === 0) && stdin.length > 0 && log.length > 0;
      const held = seen && inHistory === 0 && inLog === 0 && inStdin === 0;
      return {
        held,
        figure: `${inHistory} raw control/bidi characters from hub names in history's CSV (3 runs), ${inLog} raw C1/bidi in the daemon's JSON log, ${inStdin} in the command receiver's stdin${seen ? '' : ' (the attack did not run through: no output to judge)'}`,
      };
    } finally {
      if (daemon.exitCode === null && daemon.signalCode === null) daemon.kill('SIGKILL');
      await hub.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
