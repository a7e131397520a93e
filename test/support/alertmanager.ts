/** A real Alertmanager (Debian's prometheus-alertmanager) on loopback, without clustering, for the export tests. */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpRequest } from './fake-daemon-view.js';
import { freePort } from './prometheus.js';
import { tool, which, type Requirement } from './requires.js';
import { waitUntil } from './wait.js';

/** Debian's `prometheus-alertmanager` (upstream's binary is `alertmanager`; either will do). */
export function alertmanagerTool(): Requirement & { path: string | undefined } {
  const debian = tool('prometheus-alertmanager', 'prometheus-alertmanager');
  const upstream = debian.met ? undefined : which('alertmanager');
  return upstream ? { ...debian, met: true, path: upstream } : debian;
}

export interface RunningAlertmanager {
  /** host:port, as Prometheus' alertmanagers target wants it. */
  address: string;
  stderr(): string;
  stop(): Promise<void>;
}

export async function startAlertmanager(bin: string, configYaml: string): Promise<RunningAlertmanager> {
  const dir = mkdtempSync(join(tmpdir(), 'mhm-alertmanager-'));
  writeFileSync(join(dir, 'alertmanager.yml'), configYaml);
  const port = await freePort();
  const am = spawn(bin, [
    `--config.file=${join(dir, 'alertmanager.yml')}`, `--storage.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address=', '--log.level=warn',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  am.stderr!.on('data', (c: Buffer) => { stderr = (stderr + c.toString()).slice(-4_000); });
  const address = `127.0.0.1:${port}`;
  const stop = () => new Promise<void>((resolve) => {
    const done = () => { rmSync(dir, { recursive: true, force: true }); resolve(); };
    if (am.exitCode !== null || am.signalCode !== null) return done();
    const kill = setTimeout(() => am.kill('SIGKILL'), 5_000);
    am.once('exit', () => { clearTimeout(kill); done(); });
    am.kill('SIGTERM');
  });
  try {
    await waitUntil(async () => (await httpRequest(`http://${address}`, '/-/ready')).status === 200, { what: 'alertmanager ready', timeoutMs: 20_000, everyMs: 250, describe: () => stderr });
  } catch (err) {
    await stop();
    throw err;
  }
  return { address, stderr: () => stderr, stop };
}
