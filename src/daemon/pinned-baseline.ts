/**
 * The pinned baseline the daemon compares live latencies against: `<state-dir>/baselines/pinned.json`,
 * either a baseline document itself or a pointer `{"name": "<baseline>"}` to `<name>.json` beside it
 * (what `baseline pin` writes). Re-read only when the file changes; a missing or unreadable file means
 * no comparison, logged once.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readComparable } from '../evaluate/baseline-compare.js';
import type { LatencySamples } from '../evaluate/regression.js';
import { isRecord, own, parseJsonSafe } from '../model/json.js';

export interface PinnedBaseline {
  name: string;
  /** By hub URL; a single-hub baseline also answers for any hub (a hub restarted on another port). */
  byHub: Map<string, LatencySamples>;
  only?: LatencySamples;
}

function readJson(path: string): unknown {
  const parsed = parseJsonSafe(readFileSync(path, 'utf8'));
  if (!parsed.ok) throw new Error(`${path}: ${parsed.message}`);
  return parsed.value;
}

/** Loads the pinned baseline; undefined when none is pinned. Throws with a reason when it cannot be read. */
export function loadPinnedBaseline(stateDir: string): PinnedBaseline | undefined {
  const dir = join(stateDir, 'baselines');
  const pinnedPath = join(dir, 'pinned.json');
  try {
    statSync(pinnedPath);
  } catch {
    return undefined;
  }
  let doc = readJson(pinnedPath);
  const pointer = isRecord(doc) ? own(doc, 'name') : undefined;
  if (isRecord(doc) && own(doc, 'format') === undefined && typeof pointer === 'string') {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(pointer)) throw new Error(`${pinnedPath}: "name" is not a baseline name`);
    doc = readJson(join(dir, `${pointer}.json`));
  }
  const r = readComparable(doc);
  if (!r.ok) throw new Error(`${pinnedPath}: ${r.problem}`);
  const byHub = new Map<string, LatencySamples>();
  for (const h of r.baseline.hubs) {
    const probes = new Map<string, number[]>();
    let health: number[] = [];
    for (const s of h.series) {
      if (s.key === 'health_latency_ms') health = s.values;
      else if (s.key.startsWith('probe_latency_ms:')) probes.set(s.key.slice('probe_latency_ms:'.length), s.values);
    }
    byHub.set(h.url, { health, probes });
  }
  return { name: r.baseline.name, byHub, ...(byHub.size === 1 ? { only: [...byHub.values()][0]! } : {}) };
}

/** Keeps the last load and reloads when pinned.json (or what it points to) changes. */
export class PinnedBaselineCache {
  private key = '';
  private value: PinnedBaseline | undefined;

  constructor(private readonly stateDir: string, private readonly onError: (message: string) => void) {}

  get(): PinnedBaseline | undefined {
    let key = 'absent';
    try {
      const st = statSync(join(this.stateDir, 'baselines', 'pinned.json'));
      key = `${st.mtimeMs}:${st.size}`;
    } catch { /* absent */ }
    if (key === this.key) return this.value;
    this.key = key;
    try {
      this.value = loadPinnedBaseline(this.stateDir);
    } catch (err) {
      this.value = undefined;
      this.onError((err as Error).message);
    }
    return this.value;
  }
}
