/**
 * The traffic tap as a real child process (`mcp-hub-monitor tap`), and a small Unix-socket listener that
 * plays the daemon's side of `<state-dir>/tap.sock`: it keeps every line the tap sends (checked with
 * parseTapLine) and can stop reading, as a wedged daemon would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { join } from 'node:path';
import { parseTapLine, TAP_SOCKET_FILE, type CallRecord, type TapStatus } from '../../src/model/calls.js';
import { CLI_PATH, isolatedEnv } from './cli.js';
import { waitUntil } from './wait.js';

export interface TapChild {
  child: ChildProcess;
  url: string;
  port: number;
  stderr(): string;
  stop(): Promise<void>;
}

/** Starts `tap --listen 127.0.0.1:0 --hub <hub>` on `stateDir` and waits for its "listening" line. */
export async function startTap(hub: string, stateDir: string, extra: string[] = [], env: Record<string, string> = isolatedEnv()): Promise<TapChild> {
  const child = spawn(process.execPath, [CLI_PATH, 'tap', '--listen', '127.0.0.1:0', '--hub', hub, '--state-dir', stateDir, ...extra], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { err += d; });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const port = await waitUntil(() => {
    if (child.exitCode !== null) throw new Error(`tap exited ${child.exitCode}: ${err}`);
    const m = /tap: listening on 127\.0\.0\.1:(\d+)/.exec(err);
    return m ? Number(m[1]) : undefined;
  }, { what: 'the tap to listen', describe: () => err });
  return {
    child, port, url: `http://127.0.0.1:${port}`, stderr: () => err,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Plays the daemon on `<stateDir>/tap.sock`. */
export class FakeTapDaemon {
  readonly calls: CallRecord[] = [];
  readonly statuses: TapStatus[] = [];
  readonly bad: string[] = [];
  /** Every byte the taps sent, as text: what a check for a leak reads. */
  raw = '';
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private reading = true;

  constructor(readonly stateDir: string) {
    this.server = net.createServer((s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
      if (!this.reading) s.pause();
      let rest = '';
      s.setEncoding('utf8').on('data', (d: string) => {
        this.raw += d;
        const lines = (rest + d).split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) {
          const r = parseTapLine(line);
          if (!r.ok) this.bad.push(`${r.why}: ${line.slice(0, 200)}`);
          else if (r.message.kind === 'call') this.calls.push(r.message.call);
          else this.statuses.push(r.message.status);
        }
      });
    });
  }

  get path(): string {
    return join(this.stateDir, TAP_SOCKET_FILE);
  }

  listen(): Promise<void> {
    return new Promise((r) => this.server.listen(this.path, () => r()));
  }

  /** Stops reading (the tap's writes back up in the socket), or reads again. */
  setReading(on: boolean): void {
    this.reading = on;
    for (const s of this.sockets) if (on) s.resume(); else s.pause();
  }

  get connections(): number {
    return this.sockets.size;
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((r) => this.server.close(() => r()));
  }
}
