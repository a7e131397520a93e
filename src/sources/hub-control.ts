/**
 * The hub's server controls: `POST /api/servers/stop` and `/api/servers/start`, and the server names of
 * `GET /api/servers`. The only requests the monitor makes that change a hub, made by remediation and the
 * `heal` command. Each has a total deadline: a start can block the hub up to 5 minutes per server (its
 * connect timeout). mcp-hub never recovers a stdio child that died while it says `connected`, and a start
 * alone is a no-op then; a stop then a start spawns a new child (observed on mcp-hub 4.2.1). Failures are
 * values, never verdicts.
 */
import type http from 'node:http';
import { httpGet, type HttpFailure, type HttpResponse } from './http-get.js';
import { isRecord, own, parseJsonSafe } from '../model/json.js';

const MAX_BYTES = 8 * 1024 * 1024;

export interface ControlOptions {
  timeoutMs: number;
  agent?: http.Agent;
  signal?: AbortSignal;
}

/** What the hub answered: the server's status after the call, or why there is none. */
export type ControlResult =
  | { ok: true; status: string; elapsedMs: number }
  | { ok: false; error: string; elapsedMs: number };

/** The hub's `error` (and `code`) of a failed call, or the HTTP status. */
function failureText(res: HttpResponse): string {
  const parsed = parseJsonSafe(res.body.toString('utf8'));
  const error = parsed.ok && isRecord(parsed.value) ? own(parsed.value, 'error') : undefined;
  const code = parsed.ok && isRecord(parsed.value) ? own(parsed.value, 'code') : undefined;
  if (typeof error !== 'string') return `HTTP ${res.status}`;
  return `HTTP ${res.status} ${typeof code === 'string' || typeof code === 'number' ? `${code}: ` : ''}${error.slice(0, 300)}`;
}

function result(res: HttpResponse | HttpFailure): ControlResult {
  if (!res.ok) return { ok: false, error: res.message, elapsedMs: res.elapsedMs };
  if (res.status !== 200) return { ok: false, error: failureText(res), elapsedMs: res.elapsedMs };
  const parsed = parseJsonSafe(res.body.toString('utf8'));
  const server = parsed.ok && isRecord(parsed.value) ? own(parsed.value, 'server') : undefined;
  const status = isRecord(server) ? own(server, 'status') : undefined;
  if (typeof status !== 'string') return { ok: false, error: 'HTTP 200 without the server\'s status', elapsedMs: res.elapsedMs };
  return { ok: true, status: status.slice(0, 40), elapsedMs: res.elapsedMs };
}

function control(base: string, verb: 'stop' | 'start', server: string, opts: ControlOptions): Promise<ControlResult> {
  // disable=false: a stop for a restart, not a user's disable (the hub keeps it in its config as enabled).
  const url = `${base}/api/servers/${verb}${verb === 'stop' ? '?disable=false' : ''}`;
  return httpGet(url, { method: 'POST', body: JSON.stringify({ server_name: server }), timeoutMs: opts.timeoutMs, maxBytes: MAX_BYTES, agent: opts.agent, signal: opts.signal }).then(result);
}

/** Stops `server` (its child is closed); the status after it is `disconnected`. Never rejects. */
export const stopServer = (base: string, server: string, opts: ControlOptions) => control(base, 'stop', server, opts);

/** Starts `server` (a new child and the MCP handshake); `connected` when it worked. Never rejects. */
export const startServer = (base: string, server: string, opts: ControlOptions) => control(base, 'start', server, opts);

/** The names of the hub's servers, in config order, or why they could not be read. Never rejects. */
export async function serverNames(base: string, opts: ControlOptions): Promise<{ ok: true; names: string[] } | { ok: false; error: string }> {
  const res = await httpGet(`${base}/api/servers`, { timeoutMs: opts.timeoutMs, maxBytes: MAX_BYTES, agent: opts.agent, signal: opts.signal });
  if (!res.ok) return { ok: false, error: res.message };
  if (res.status !== 200) return { ok: false, error: `GET ${base}/api/servers: ${failureText(res)}` };
  const parsed = parseJsonSafe(res.body.toString('utf8'));
  const servers = parsed.ok && isRecord(parsed.value) ? own(parsed.value, 'servers') : undefined;
  if (!Array.isArray(servers)) return { ok: false, error: `GET ${base}/api/servers: not a server list` };
  return { ok: true, names: servers.flatMap((s: unknown) => (isRecord(s) && typeof own(s, 'name') === 'string' ? [String(own(s, 'name'))] : [])) };
}

/** Whether the hub answers `/api/health` (any HTTP 200) within the deadline. Never rejects. */
export async function hubAnswers(base: string, opts: ControlOptions): Promise<{ ok: true } | { ok: false; error: string }> {
  const res = await httpGet(`${base}/api/health`, { timeoutMs: opts.timeoutMs, maxBytes: MAX_BYTES, agent: opts.agent, signal: opts.signal });
  if (!res.ok) return { ok: false, error: res.message };
  return res.status === 200 ? { ok: true } : { ok: false, error: `GET ${base}/api/health: HTTP ${res.status}` };
}
