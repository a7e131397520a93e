/**
 * `check` runs thousands of times a day from cron: its import graph must hold no undici/fetch internals,
 * zod, yaml, better-sqlite3 or ink (docs/DESIGN.md §6). This records what a real `check` run loads (and what
 * the tap and the daemon load: no OpenTelemetry SDK unless export is on).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { spawn } from 'node:child_process';
import { CLI_PATH, isolatedEnv, runCli } from '../support/cli.js';
import { waitUntil } from '../support/wait.js';
import { tempDir } from '../support/temp-dir.js';

const HEAVY = /node_modules\/(zod|yaml|better-sqlite3|ink|react|undici|prom-client|pino)\//;
const REGISTER = new URL('../support/trace/register.mjs', import.meta.url).href;
const BUNDLE = fileURLToPath(new URL('../../dist/bundle/main.cjs', import.meta.url));
let server: http.Server;
let url: string;

beforeAll(async () => {
  const body = readFileSync(new URL('../fixtures/hub/health-ready.json', import.meta.url), 'utf8');
  server = http.createServer((req, res) => {
    if (req.url === '/api/health') res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    else res.writeHead(404, { 'content-type': 'text/html' }).end('<!DOCTYPE html><pre>Cannot GET</pre>');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

async function traceCheck(extraArgs: string[] = [], env: Record<string, string> = {}): Promise<string[]> {
  const trace = join(tempDir('mhm-trace-'), 'trace.txt');
  writeFileSync(trace, '');
  const run = await runCli(['check', '--hub', url, ...extraArgs], isolatedEnv({ MHM_TRACE_FILE: trace, ...env }), ['--import', REGISTER]);
  expect(run.stderr).toBe('');
  return readFileSync(trace, 'utf8').split('\n').filter(Boolean);
}

test('check without a config file loads no undici, zod, yaml, better-sqlite3 or ink', async () => {
  const lines = await traceCheck();
  expect(lines).toContain(`required ${BUNDLE}`); // the trace saw the CLI itself
  expect(lines.filter((l) => HEAVY.test(l))).toEqual([]);
  expect(lines.filter((l) => /internal .*undici|internal .*fetch/.test(l))).toEqual([]);
});

test('check --expect-daemon reads the daemon lock without loading better-sqlite3', async () => {
  const lines = await traceCheck(['--expect-daemon', '--state-dir', tempDir('mhm-trace-state-')]);
  expect(lines.filter((l) => HEAVY.test(l))).toEqual([]);
});

test('check with a config file loads yaml and zod, but still no undici, better-sqlite3 or ink', async () => {
  const dir = tempDir('mhm-cfg-');
  writeFileSync(join(dir, 'config.yaml'), 'timeout: 3s\n');
  const lines = await traceCheck(['--config', join(dir, 'config.yaml')]);
  expect(lines.some((l) => /node_modules\/zod\//.test(l))).toBe(true); // the trace does see lazy loads
  expect(lines.filter((l) => /node_modules\/(better-sqlite3|ink|undici)\//.test(l) || /internal .*undici/.test(l))).toEqual([]);
});

test('check takes the fast path: commander is not loaded, unless MHM_FAST_PATH=0 (the A/B of bench/fast-path.mjs)', async () => {
  const commander = (lines: string[]) => lines.some((l) => /node_modules\/commander\//.test(l));
  expect(commander(await traceCheck())).toBe(false);
  expect(commander(await traceCheck([], { MHM_FAST_PATH: '0' }))).toBe(true);
});

/** Runs the tap under the module trace, makes a REST and an MCP post through it, stops it: what it loaded. */
async function traceTap(extraArgs: string[] = []): Promise<string[]> {
  const trace = join(tempDir('mhm-trace-'), 'trace.txt');
  writeFileSync(trace, '');
  const child = spawn(process.execPath, ['--import', REGISTER, CLI_PATH, 'tap', '--listen', '127.0.0.1:0', '--hub', url, '--state-dir', tempDir('mhm-trace-state-'), ...extraArgs], { env: isolatedEnv({ MHM_TRACE_FILE: trace }), stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => { err += d; });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const port = await waitUntil(() => /listening on 127\.0\.0\.1:(\d+)/.exec(err)?.[1], { what: 'the tap to listen', describe: () => err });
  const post = (path: string, body: string) => new Promise<number>((resolve, reject) => {
    const req = http.request(`http://127.0.0.1:${port}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)); });
    req.on('error', reject);
    req.end(body);
  });
  expect(await post('/api/servers/tools', '{"server_name":"a","tool":"b"}')).toBe(404); // observed: a REST call
  expect(await post('/messages?sessionId=x', '{"jsonrpc":"2.0","id":1,"method":"tools/list"}')).toBe(404); // observed: an MCP post
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
  const lines = readFileSync(trace, 'utf8').split('\n').filter(Boolean);
  expect(lines).toContain(`required ${fileURLToPath(new URL('../../dist/bundle/cmd-tap.cjs', import.meta.url))}`);
  return lines;
}

const OTEL = /node_modules\/@opentelemetry\//;

test('tap forwards and observes calls without loading zod, yaml, better-sqlite3, commander, fetch or OpenTelemetry', async () => {
  const lines = await traceTap();
  expect(lines.filter((l) => HEAVY.test(l) || /node_modules\/commander\//.test(l))).toEqual([]);
  expect(lines.filter((l) => /internal .*undici|internal .*fetch/.test(l))).toEqual([]);
  expect(lines.filter((l) => OTEL.test(l))).toEqual([]);
});

test('tap loads the OpenTelemetry SDK only when otel.enabled is set', async () => {
  const dir = tempDir('mhm-cfg-');
  writeFileSync(join(dir, 'off.yaml'), 'otel:\n  enabled: false\n  endpoint: http://127.0.0.1:9\n');
  writeFileSync(join(dir, 'on.yaml'), 'otel:\n  enabled: true\n  endpoint: http://127.0.0.1:9\n  timeout: 1s\n');
  expect((await traceTap(['--config', join(dir, 'off.yaml')])).filter((l) => OTEL.test(l))).toEqual([]);
  expect((await traceTap(['--config', join(dir, 'on.yaml')])).some((l) => OTEL.test(l))).toBe(true);
});

/** Runs the daemon on the stub hub until it has started, stops it, and returns what it loaded. */
async function traceDaemon(configLines: string[]): Promise<string[]> {
  const dir = tempDir('mhm-trace-daemon-');
  const trace = join(dir, 'trace.txt');
  writeFileSync(trace, '');
  writeFileSync(join(dir, 'config.yaml'), `${['probes:', '  interval: 1s', ...configLines].join('\n')}\n`);
  const child = spawn(process.execPath, ['--import', REGISTER, CLI_PATH, 'daemon', '--hub', url, '--state-dir', join(dir, 'state'), '--config', join(dir, 'config.yaml'), '--no-sse'], { env: isolatedEnv({ MHM_TRACE_FILE: trace }), stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => { err += d; });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  await waitUntil(() => err.includes('"msg":"daemon started"'), { what: 'the daemon to start', describe: () => err });
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
  return readFileSync(trace, 'utf8').split('\n').filter(Boolean);
}

test('the daemon with otel off loads no @opentelemetry module; with it on, the SDK is loaded (the trace sees it)', async () => {
  const otel = (lines: string[]) => lines.filter((l) => /node_modules\/@opentelemetry\//.test(l));
  expect(otel(await traceDaemon([]))).toEqual([]);
  const on = otel(await traceDaemon(['otel:', '  enabled: true', '  endpoint: http://127.0.0.1:9']));
  expect(on.some((l) => /@opentelemetry\/sdk-trace-base\//.test(l))).toBe(true);
});
