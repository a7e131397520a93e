/**
 * `baseline pin` and what the other baseline commands make of the pin, through the built CLI on synthetic
 * baselines: `pinned.json` is a pointer, not a baseline, so `list` marks the baseline it points at instead of
 * listing the pointer as unreadable, `show pinned` shows that baseline, and `pin` with no name says which
 * one is pinned.
 */
import { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { runCli } from '../support/cli.js';

const roots: string[] = [];
afterAll(() => { for (const d of roots) rmSync(d, { recursive: true, force: true }); });

/** A state dir holding baselines `names` (JSON and Markdown, as measure saves them). */
function stateWith(...names: string[]): string {
  const state = mkdtempSync(join(tmpdir(), 'mhm-pin-'));
  roots.push(state);
  const dir = join(state, 'baselines');
  mkdirSync(dir);
  names.forEach((name, i) => {
    const samples = Array.from({ length: 50 }, (_, k) => ({ k, scheduledMs: k * 250, actualMs: k * 250, latencyMs: 2 + ((k * 7) % 5) / 10, outcome: 'ok' }));
    const doc = { format: 'mcp-hub-monitor-baseline', version: 1, name, status: 'ok', startedAt: `2026-11-25T09:4${i}:00.000Z`, hubs: [{ url: 'http://127.0.0.1:7000', health: { samples }, probes: [], process: { windows: [] } }] };
    writeFileSync(join(dir, `${name}.json`), JSON.stringify(doc));
    writeFileSync(join(dir, `${name}.md`), `# Baseline \`${name}\`\n`);
  });
  return state;
}

const cli = (state: string, ...args: string[]) => runCli([...args, '--state-dir', state]);

test('after pin, list marks the pinned baseline, show pinned shows it, pin says which it is', async () => {
  const state = stateWith('before', 'after');
  expect((await cli(state, 'baseline', 'pin', 'before')).code).toBe(0);

  const list = await cli(state, 'baseline', 'list');
  expect(list.code).toBe(0);
  expect(list.stdout).not.toContain('unreadable');
  expect(list.stdout).toMatch(/^\* before {2}2026-11-25T09:40:00\.000Z/m);
  expect(list.stdout).toMatch(/^ {2}after {3}2026-11-25T09:41:00\.000Z/m);
  expect(list.stdout).not.toMatch(/^..pinned /m);
  expect(list.stdout.endsWith('\npinned: before\n')).toBe(true);
  const listJson = JSON.parse((await cli(state, 'baseline', 'list', '--json')).stdout) as { baselines: { name: string; pinned?: boolean }[]; pinned: { name: string } };
  expect(listJson.baselines.map((b) => [b.name, b.pinned ?? false])).toEqual([['before', true], ['after', false]]);
  expect(listJson.pinned.name).toBe('before');

  const show = await cli(state, 'baseline', 'show', 'pinned');
  expect(show.code).toBe(0);
  expect(show.stdout).toBe(readFileSync(join(state, 'baselines', 'before.md'), 'utf8'));
  const showJson = await cli(state, 'baseline', 'show', 'pinned', '--json');
  expect(JSON.parse(showJson.stdout)).toEqual(JSON.parse(readFileSync(join(state, 'baselines', 'before.json'), 'utf8')));
  const cmp = await cli(state, 'baseline', 'compare', 'pinned', 'after', '--json');
  expect(cmp.code).toBe(0);
  expect((JSON.parse(cmp.stdout) as { a: { name: string } }).a.name).toBe('before');

  const which = await cli(state, 'baseline', 'pin');
  expect(which).toMatchObject({ code: 0, stdout: 'pinned: before\n' });
});

test('a pin whose baseline was deleted is reported as such, with advice that works', async () => {
  const state = stateWith('before');
  await cli(state, 'baseline', 'pin', 'before');
  unlinkSync(join(state, 'baselines', 'before.json'));
  unlinkSync(join(state, 'baselines', 'before.md'));
  const list = await cli(state, 'baseline', 'list');
  expect(list.stdout).toContain(`pinned: before, but ${join(state, 'baselines', 'before.json')} is missing`);
  const show = await cli(state, 'baseline', 'show', 'pinned');
  expect(show.code).toBe(3);
  expect(show.stderr).toMatch(/the pinned baseline: no file .*before\.md\. Pin one that exists: mcp-hub-monitor baseline pin NAME/);
  expect(show.stderr).not.toContain('--name pinned');
});

test('with nothing pinned every command says so; "pinned" is not a name measure may save under', async () => {
  const state = stateWith('before');
  expect((await cli(state, 'baseline', 'pin')).stdout).toBe('pinned: none (pin one with: mcp-hub-monitor baseline pin NAME)\n');
  expect((await cli(state, 'baseline', 'list')).stdout).toContain('\npinned: none');
  const show = await cli(state, 'baseline', 'show', 'pinned');
  expect(show.code).toBe(3);
  expect(show.stderr).toMatch(/no baseline is pinned \(no .*pinned\.json\)\. Pin one with: mcp-hub-monitor baseline pin NAME/);
  const measure = await cli(state, 'measure', '--name', 'pinned');
  expect(measure.code).toBe(3);
  expect(measure.stderr).toMatch(/--name: "pinned" is the pin/);
  const pinThePin = await cli(state, 'baseline', 'pin', 'pinned');
  expect(pinThePin.code).toBe(3);
});
