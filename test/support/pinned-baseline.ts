/**
 * A synthetic baseline of a hub's health latencies, written to the state dir and pinned with the real
 * `baseline pin` command: what the daemon's regression job compares the live hub with.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { runCli } from './cli.js';

export async function pinBaseline(state: string, hub: string, latencies: number[]): Promise<void> {
  mkdirSync(join(state, 'baselines'), { recursive: true, mode: 0o700 });
  const doc = { format: 'mcp-hub-monitor-baseline', version: 1, name: 'synthetic', startedAt: new Date().toISOString(),
    hubs: [{ url: hub, health: { samples: latencies.map((latencyMs) => ({ outcome: 'ok', latencyMs })) } }] };
  writeFileSync(join(state, 'baselines', 'synthetic.json'), JSON.stringify(doc));
  const run = await runCli(['baseline', 'pin', 'synthetic', '--state-dir', state]);
  expect(run.stdout).toMatch(/^pinned synthetic/);
  expect(JSON.parse(readFileSync(join(state, 'baselines', 'pinned.json'), 'utf8'))).toEqual({ name: 'synthetic' });
}

/** Far faster than any real round trip (0.05 ms): every live window of a real hub is a regression. */
export const FAST_BASELINE: number[] = Array.from({ length: 60 }, (_, i) => 0.05 + (i % 5) * 0.001);
