/**
 * CPU of a process tree between two reads taken one refresh apart, for views that poll (the terminal
 * dashboard). The kernel counts CPU time in clock ticks (10 ms): over a 250 ms window a hub using 0.6 %
 * spends 1.5 ms, no tick at all, and shows 0.0 %. Between reads 5 s apart a tick is 0.2 %, the resolution
 * `measure` has with its 5 s windows. Linux /proc only; elsewhere every read is undefined.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { CpuTicks } from '../model/hub.js';
import { hasProcFs } from './proc.js';
import { CLK_TCK, parseStatus, scanAll, treeOf } from './process-sampler.js';

/** A process by pid and start time: a pid reused between reads is another process. */
type ProcessKey = string;

/** Cumulative CPU ticks of a hub and its descendants at one moment. */
export interface TreeReading extends CpuTicks {
  pid: number;
  /** VmRSS of the hub plus its descendants (shared pages counted in each: an upper bound). */
  rssBytes: number;
}

/** CPU % of the hub and of its descendants (the MCP servers) between two reads, as `measure` reports them. */
export interface TreeCpu {
  hubCpuPercent: number;
  childrenCpuPercent: number;
  windowMs: number;
}

/** Reads the tree's CPU ticks now; undefined without /proc or without the process. */
export function readTree(pid: number, opts: { procRoot?: string; now?: () => number } = {}): TreeReading | undefined {
  const procRoot = opts.procRoot ?? '/proc';
  if (!hasProcFs(procRoot)) return undefined;
  const atMs = (opts.now ?? (() => performance.now()))();
  const all = scanAll(procRoot);
  const hub = all.get(pid);
  if (!hub) return undefined;
  const key = (p: number): ProcessKey | undefined => { const s = all.get(p); return s && `${s.pid}:${s.startTimeTicks}`; };
  const ticks = new Map<ProcessKey, number>();
  let rssBytes = 0;
  for (const p of [pid, ...treeOf(pid, all)]) {
    const s = all.get(p)!;
    ticks.set(key(p)!, s.utimeTicks + s.stimeTicks);
    rssBytes += parseStatus(readStatus(procRoot, p)).rssBytes ?? 0;
  }
  return { pid, atMs, hubKey: key(pid)!, ticks, rssBytes };
}

function readStatus(procRoot: string, pid: number): string {
  try {
    return readFileSync(`${procRoot}/${pid}/status`, 'utf8');
  } catch {
    return ''; // exited since the scan
  }
}

const round1 = (n: number): number => Math.round(n * 10) / 10;

/**
 * CPU % between two reads of the same hub process: processes present in both count their ticks in
 * between (one that started or exited in between is left out, as `measure` leaves it out). Undefined
 * when the hub process is not the same one (restarted) or no time passed.
 */
export function cpuBetween(before: CpuTicks, after: CpuTicks): TreeCpu | undefined {
  const wallS = (after.atMs - before.atMs) / 1000;
  if (!(wallS > 0) || before.hubKey !== after.hubKey) return undefined;
  let hub = 0;
  let children = 0;
  for (const [k, t] of after.ticks) {
    const was = before.ticks.get(k);
    if (was === undefined) continue;
    const pct = (Math.max(0, t - was) / CLK_TCK / wallS) * 100;
    if (k === after.hubKey) hub += pct;
    else children += pct;
  }
  return { hubCpuPercent: round1(hub), childrenCpuPercent: round1(children), windowMs: after.atMs - before.atMs };
}
