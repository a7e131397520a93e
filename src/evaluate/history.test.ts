import { expect, test } from 'vitest';
import { defaultConfig } from '../config/defaults.js';
import { evaluateHistory, type HistoryFacts } from './history.js';

const HUB = 'http://127.0.0.1:7000';
const NOW = 1_800_000_000_000;
const facts = (over: Partial<HistoryFacts> = {}): HistoryFacts => ({
  spanMs: 3_600_000, latencyMs: [], polls: 720, failedPolls: 0, reconnectsByServer: new Map(), probeProblems: new Map(), ...over,
});

test('no history is no_data with the way to get one, never ok', () => {
  expect(evaluateHistory(HUB, undefined, defaultConfig(), NOW)).toEqual([
    expect.objectContaining({ id: 'history.polls', status: 'no_data', message: expect.stringMatching(/mcp-hub-monitor daemon/) }),
  ]);
});

test('a quiet hour: polls and flapping ok, no probe findings', () => {
  const f = evaluateHistory(HUB, facts(), defaultConfig(), NOW);
  expect(f.map((x) => [x.id, x.status])).toEqual([['history.polls', 'ok'], ['history.flapping', 'ok']]);
});

test('flapping above the configured cycles warns and names the server; at the limit it does not', () => {
  const cfg = defaultConfig();
  const over = evaluateHistory(HUB, facts({ reconnectsByServer: new Map([['fs', cfg.anomalies.flapping_cycles + 1], ['gh', cfg.anomalies.flapping_cycles]]) }), cfg, NOW);
  const flap = over.find((x) => x.id === 'history.flapping')!;
  expect(flap.status).toBe('warning');
  expect(flap.message).toContain(`fs (${cfg.anomalies.flapping_cycles + 1} reconnects)`);
  expect(flap.message).not.toContain('gh');
});

test('an unresolved probe disagreement is reported at the dead-server severity with its age', () => {
  const cfg = defaultConfig();
  const f = evaluateHistory(HUB, facts({ probeProblems: new Map([['fs', { outcome: 'hung', at: NOW - 600_000 }]]) }), cfg, NOW);
  expect(f.find((x) => x.id === 'history.probe')).toMatchObject({ subject: 'fs', status: cfg.check.dead_server_severity, value: 'hung', message: expect.stringContaining('hung 10 min ago') });
});

test('failed polls: under 10 % missed warns, more is critical', () => {
  expect(evaluateHistory(HUB, facts({ failedPolls: 10 }), defaultConfig(), NOW)[0]!.status).toBe('warning');
  expect(evaluateHistory(HUB, facts({ failedPolls: 100 }), defaultConfig(), NOW)[0]!.status).toBe('critical');
});
