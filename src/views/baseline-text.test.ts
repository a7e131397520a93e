import { describe, expect, test } from 'vitest';
import { renderBaselineList, renderProgressBar, renderProgressLine } from './baseline-text.js';

describe('measure progress', () => {
  const p = { elapsedMs: 30_000, durationMs: 60_000, answered: 59, failed: 1, lastLatencyMs: 2.345 };

  test('on a terminal: one bar line that fits the width', () => {
    expect(renderProgressBar(p)).toBe('measure [##########..........] 30s/1m  59 ok, 1 failed, last 2.3 ms');
    expect(renderProgressBar(p, 40)).toHaveLength(40);
    expect(renderProgressBar(p)).not.toContain('\n');
  });

  test('off a terminal: a plain line, no carriage return or escape', () => {
    expect(renderProgressLine(p)).toBe('measure: 30s/1m  59 ok, 1 failed, last 2.3 ms\n');
  });
});

describe('baseline list', () => {
  test('an empty dir says how to make one', () => {
    expect(renderBaselineList('/s/baselines', [], 'pinned: none')).toBe('no baselines in /s/baselines yet (make one with: mcp-hub-monitor measure)\npinned: none\n');
  });

  test('rows are aligned; an unreadable file is listed with why; hostile names are made visible; the pinned one is marked', () => {
    const out = renderBaselineList('/d', [
      { name: 'before', startedAt: '2026-11-25T09:40:00.000Z', durationMs: 60_000, hubs: 1, status: 'ok', healthP95Ms: 3.2, pinned: true },
      { name: 'x\x1b[2J', startedAt: '', hubs: 0, status: '', problem: 'not a baseline' },
    ], 'pinned: before');
    expect(out).toContain('\n* before    2026-11-25T09:40:00.000Z  1m           1  ok        3.2\n');
    expect(out).toContain('\n  x\\x1b[2J  unreadable: not a baseline\n');
    expect(out.endsWith('\n\npinned: before\n')).toBe(true);
  });
});
