/**
 * `config-reload.json` beside the store: the outcome of the daemon's last config load (start or reload).
 * `mcp-hub-monitor reload` waits for it to change; `check --expect-daemon` reads it. Only node:fs here: both
 * are on lean paths (the daemon writes it, in daemon/host.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const CONFIG_RELOAD_FILE = 'config-reload.json';

export interface ReloadStatus {
  /** Epoch ms of the last load attempt. */
  at: number;
  ok: boolean;
  /** Why the last attempt failed (names the key and the file). */
  error?: string;
  /** Epoch ms of the last load that took effect. */
  lastSuccessAt: number;
  /** Sections that changed but apply only at the next start. */
  needsRestart?: string[];
}

/** The last status, or undefined when there is none or it is not ours. */
export function readReloadStatus(stateDir: string): ReloadStatus | undefined {
  try {
    const s = JSON.parse(readFileSync(join(stateDir, CONFIG_RELOAD_FILE), 'utf8')) as Partial<ReloadStatus>;
    if (typeof s.at !== 'number' || typeof s.ok !== 'boolean' || typeof s.lastSuccessAt !== 'number') return undefined;
    return { at: s.at, ok: s.ok, lastSuccessAt: s.lastSuccessAt, ...(typeof s.error === 'string' ? { error: s.error } : {}), ...(Array.isArray(s.needsRestart) ? { needsRestart: s.needsRestart.map(String) } : {}) };
  } catch {
    return undefined;
  }
}
