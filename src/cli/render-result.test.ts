/** One result, three formats: the exit code is the result's, and no format lets a hub's string reach the terminal raw. */
import { expect, test } from 'vitest';
import { defaultConfig } from '../config/defaults.js';
import { evaluateCheck } from '../evaluate/check.js';
import type { HubSnapshot } from '../model/hub.js';
import { resolveGlobalOptions } from './global-options.js';
import { renderResult } from './render-result.js';

const HUB = 'http://127.0.0.1:7000';
const NOW = Date.parse('2026-11-25T12:00:00Z');
// An OSC title, a clear screen, a C1 CSI (JSON.stringify leaves it raw) and a bidi override.
const HOSTILE = 'evil\x1b]0;pwned\x07\x1b[2J\x9b2J\u202e';
const UNSAFE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202e]/;

function result() {
  const snapshot: HubSnapshot = {
    target: { url: HUB, origin: 'flag' }, at: NOW, monotonicAt: 0, metrics: { sources: [] }, routes: {},
    health: {
      ok: true, issues: [], latencyMs: 4,
      value: {
        status: 'ok', state: 'ready', serverId: 'mcp-hub', version: '4.2.1', timestampMs: NOW,
        servers: [
          { name: 'fs', status: 'connected', error: null, uptimeS: 60, lastStartedMs: NOW - 60_000, toolCount: 3 },
          { name: HOSTILE, status: 'disconnected', error: 'Connection closed', uptimeS: 0, lastStartedMs: NOW - 60_000, toolCount: 0 },
        ],
      },
    },
  };
  return evaluateCheck([snapshot], new Map(), defaultConfig(), NOW);
}

const g = resolveGlobalOptions({ color: false }, { HOME: '/home/op' });

test.each(['human', 'json', 'nagios'] as const)('%s: the exit code is the result\'s, and no escape reaches the output', (format) => {
  const r = result();
  expect(r.exitCode).toBe(1); // one of two servers disconnected: WARNING
  const run = renderResult(r, format, g, 'check');
  expect(run.exitCode).toBe(r.exitCode);
  expect(run.output).toContain('evil');
  expect(run.output).not.toMatch(UNSAFE);
  expect(run.output.endsWith('\n')).toBe(true);
});

test('json is the result itself, hub strings kept whole once parsed', () => {
  const r = result();
  const parsed = JSON.parse(renderResult(r, 'json', g).output);
  expect(parsed).toEqual(JSON.parse(JSON.stringify(r)));
  expect(JSON.stringify(parsed)).toContain(JSON.stringify(HOSTILE).slice(1, -1));
});

test('nagios starts with the plugin status line; human with the title', () => {
  expect(renderResult(result(), 'nagios', g).output).toMatch(/^MCPHUB WARNING - /);
  expect(renderResult(result(), 'human', g, 'check').output).toMatch(/^check: WARNING/);
});
