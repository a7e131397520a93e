/**
 * A slowloris attacker for the HTTP server's tests, in its own process (so the server under test has its
 * event loop to itself, as the daemon would): bench/lib/slowloris.mjs, the attack `bench/attacks/F3` runs.
 * `connections` sockets from the loopback addresses 127.0.0.2 … 127.0.0.(1+sources), each sending a request
 * line and a Host header but never the blank line that ends the headers; a socket the server closes is
 * opened again at once. `started` resolves once every socket has connected.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ATTACKER = fileURLToPath(new URL('../../bench/lib/slowloris.mjs', import.meta.url));

export interface Slowloris {
  started: Promise<void>;
  /** Connections the server closed (and the attacker opened again), as last reported. */
  dropped(): number;
  stop(): Promise<void>;
}

export function slowloris(port: number, connections: number, sources: number): Slowloris {
  const child = spawn(process.execPath, [ATTACKER, String(port), String(connections), String(sources)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let last = { open: 0, opened: 0, closed: 0 };
  let buf = '';
  let onStarted!: () => void;
  const started = new Promise<void>((resolve, reject) => {
    onStarted = resolve;
    child.once('exit', (code) => reject(new Error(`the slowloris attacker exited (${code}) before it had ${connections} connections`)));
  });
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    buf += d;
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
      last = JSON.parse(buf.slice(0, nl)) as typeof last;
      buf = buf.slice(nl + 1);
      if (last.opened >= connections) onStarted();
    }
  });
  return {
    started,
    dropped: () => last.closed,
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}
