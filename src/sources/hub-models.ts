/**
 * Typed models of what the hub serves (docs/hub-api.md §2.1) and tolerant parsers that turn any JSON into them.
 * "Absent" and "unusable" become `undefined` plus a validation issue, never an exception: hub content must
 * never crash the monitor or make it exit 3 (faults A8, D10).
 */
import { isRecord, own } from '../model/json.js';
import type { Health, ServerInfo } from '../model/hub.js';

export interface Parsed<T> {
  value: T;
  /** Human sentences about fields that were absent or unusable. */
  issues: string[];
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** A finite, non-negative number below 1e15, or undefined (faults D10: 1e400, -1, "NaN"). */
export function saneNumber(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 && v < 1e15 ? v : undefined;
}

/** An ISO time between 2000 and 2200 as epoch ms, else undefined. */
export function saneTime(v: unknown): number | undefined {
  if (typeof v !== 'string' || v.length > 64) return undefined;
  const t = Date.parse(v);
  return Number.isFinite(t) && t > 946_684_800_000 && t < 7_258_118_400_000 ? t : undefined;
}

function arrayLength(v: unknown): number {
  return Array.isArray(v) ? v.length : 0;
}

/** Parses one ServerInfo; returns undefined when it has no usable name. */
export function parseServerInfo(raw: unknown, issues: string[], index: number): ServerInfo | undefined {
  if (!isRecord(raw)) {
    issues.push(`servers[${index}] is not an object`);
    return undefined;
  }
  const name = str(own(raw, 'name'));
  if (name === undefined) {
    issues.push(`servers[${index}] has no name`);
    return undefined;
  }
  const rawUptime = own(raw, 'uptime');
  const uptimeS = saneNumber(rawUptime);
  if (rawUptime !== undefined && uptimeS === undefined) issues.push(`server ${JSON.stringify(name).slice(0, 80)}: unusable uptime`);
  const rawLast = own(raw, 'lastStarted');
  const lastStartedMs = rawLast === null ? null : saneTime(rawLast);
  const rawError = own(raw, 'error');
  const caps = own(raw, 'capabilities');
  const info = own(raw, 'serverInfo');
  return {
    name,
    displayName: str(own(raw, 'displayName')),
    transportType: str(own(raw, 'transportType')),
    status: str(own(raw, 'status')),
    error: typeof rawError === 'string' ? rawError : rawError == null ? null : JSON.stringify(rawError).slice(0, 500),
    uptimeS,
    lastStartedMs,
    toolCount: isRecord(caps) ? arrayLength(own(caps, 'tools')) : 0,
    tools: isRecord(caps) && Array.isArray(own(caps, 'tools')) ? (own(caps, 'tools') as unknown[]).slice(0, 5_000) : undefined,
    serverVersion: isRecord(info) ? str(own(info, 'version')) : undefined,
  };
}

/** Parses a `/api/health` body. */
export function parseHealth(raw: unknown): Parsed<Health> {
  const issues: string[] = [];
  if (!isRecord(raw)) return { value: { servers: [] }, issues: ['health body is not a JSON object'] };
  const servers: ServerInfo[] = [];
  const list = own(raw, 'servers');
  if (Array.isArray(list)) {
    list.forEach((s, i) => {
      const parsed = parseServerInfo(s, issues, i);
      if (parsed) servers.push(parsed);
    });
  } else if (list !== undefined) issues.push('health.servers is not a list');
  const health: Health = {
    status: str(own(raw, 'status')),
    state: str(own(raw, 'state')),
    serverId: str(own(raw, 'server_id')),
    version: str(own(raw, 'version')),
    activeClients: saneNumber(own(raw, 'activeClients')),
    timestampMs: saneTime(own(raw, 'timestamp')),
    servers,
  };
  // workspaces.current is our own port; allActive[current] carries the pid (docs/hub-api.md §2.1).
  const ws = own(raw, 'workspaces');
  if (isRecord(ws)) {
    const current = own(ws, 'current');
    const all = own(ws, 'allActive');
    if ((typeof current === 'string' || typeof current === 'number') && isRecord(all)) {
      const entry = own(all, String(current));
      if (isRecord(entry)) {
        const pid = saneNumber(own(entry, 'pid'));
        if (pid !== undefined && Number.isInteger(pid) && pid > 0) health.pid = pid;
        health.port = saneNumber(own(entry, 'port'));
      }
    }
  }
  if (health.state === undefined) issues.push('health has no state');
  return { value: health, issues };
}
