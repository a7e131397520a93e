/** A real Prometheus (Debian's binary) scraping given targets every second, for the /metrics tests. */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpRequest } from './fake-daemon-view.js';


export async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

export interface RunningPrometheus {
  api: string;
  stderr(): string;
  /** GET a Prometheus API path; the parsed JSON on 200, else undefined. */
  get(path: string): Promise<any>;
  /** The result vector of an instant query. */
  query(promql: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  stop(): Promise<void>;
}

export async function startPrometheus(bin: string, opts: { targets: string[]; token?: string; ruleFiles?: string[]; alertmanager?: string }): Promise<RunningPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'mhm-prometheus-'));
  writeFileSync(join(dir, 'prometheus.yml'), [
    'global: { scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s }',
    ...(opts.ruleFiles ? [`rule_files: ${JSON.stringify(opts.ruleFiles)}`] : []),
    ...(opts.alertmanager ? ['alerting:', '  alertmanagers:', `    - static_configs: [{ targets: [${JSON.stringify(opts.alertmanager)}] }]`] : []),
    'scrape_configs:',
    '  - job_name: mcp-hub-monitor',
    ...(opts.token ? [`    authorization: { type: Bearer, credentials: ${JSON.stringify(opts.token)} }`] : []),
    `    static_configs: [{ targets: ${JSON.stringify(opts.targets)} }]`,
    '',
  ].join('\n'));
  const port = await freePort();
  const prom = spawn(bin, [
    `--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  prom.stderr!.on('data', (c: Buffer) => { stderr = (stderr + c.toString()).slice(-4_000); });
  const api = `http://127.0.0.1:${port}`;
  const get = async (path: string): Promise<any> => {
    const r = await httpRequest(api, path);
    return r.status === 200 ? JSON.parse(r.body) : undefined;
  };
  return {
    api,
    stderr: () => stderr,
    get,
    async query(promql) {
      const q = await get(`/api/v1/query?query=${encodeURIComponent(promql)}`);
      return q?.data?.result ?? [];
    },
    stop: () => new Promise<void>((resolve) => {
      const done = () => { rmSync(dir, { recursive: true, force: true }); resolve(); };
      if (prom.exitCode !== null || prom.signalCode !== null) return done();
      const kill = setTimeout(() => prom.kill('SIGKILL'), 5_000);
      prom.once('exit', () => { clearTimeout(kill); done(); });
      prom.kill('SIGTERM');
    }),
  };
}
