import { describe, expect, test } from 'vitest';
import { defaultConfig } from '../config/defaults.js';
import { buildBaseline } from '../evaluate/baseline.js';
import type { HubObservations } from '../model/measure.js';
import { renderBaselineMarkdown } from './baseline-markdown.js';

const cfg = defaultConfig();
const HOSTILE = 'evil|name`\n<img src=x onerror=alert(1)>**[x](javascript:1)';

function doc(hub: Partial<HubObservations> = {}) {
  return buildBaseline({
    name: 'run-1', startedAtMs: Date.parse('2026-11-25T09:40:00Z'), durationMs: 3_000, intervalMs: 250, probeEveryMs: 5_000, timeoutMs: 5_000,
    tool: { name: 'mcp-hub-monitor', version: '0.1.0', node: 'v20.0.0', platform: 'linux-x64' },
    hubs: [{
      url: 'http://127.0.0.1:7000', version: '4.2.1', state: 'ready', pid: 7,
      health: [0, 1, 2, 3].map((k) => ({ k, scheduledMs: k * 250, actualMs: k * 250 + 0.1, latencyMs: 2 + k / 10, outcome: 'ok' })),
      probes: [{ server: HOSTILE, samples: [{ atMs: 1, latencyMs: 5, outcome: 'dead' }] }],
      process: [], processUnavailable: 'remote hub', llm: [], llmSources: [], ...hub,
    }],
  }, cfg);
}

describe('renderBaselineMarkdown', () => {
  test('hub strings cannot break a table, inject HTML or links', () => {
    const md = renderBaselineMarkdown(doc());
    const row = md.split('\n').find((l) => l.startsWith('| evil'))!;
    expect(row).toBe('| evil\\|name\\`\\\\x0a\\<img src=x onerror=alert(1)\\>\\*\\*\\[x\\](javascript:1) | 1 | 0 | 1 | — | — | — | — |');
    expect(md).not.toMatch(/[^\\]<img/);
    expect(md).not.toMatch(/[^\\]\|name/);
  });

  test('shows the summaries exactly as the JSON holds them', () => {
    const d = doc();
    const md = renderBaselineMarkdown(d);
    const l = d.hubs[0]!.health.latencyMs!;
    expect(md).toContain(`| 4 | 4 | 0 | 0 | 0 | ${l.p50} | ${l.p95} | ${l.p99} | ${l.max} | 0.1 |`);
    expect(md).toContain('- status: **WARNING** (exit 1)');
    expect(md).toContain('Not measured: remote hub.');
    expect(md).toMatch(/\| `llm\.success_rate` \| NO DATA \| not exposed by this hub \|/);
  });

  test('the same document always renders the same text', () => {
    expect(renderBaselineMarkdown(doc())).toBe(renderBaselineMarkdown(doc()));
  });
});
