/**
 * vitest globalSetup: one temp directory per run. Every worker, and every process a test starts (CLIs,
 * daemons, hubs, browsers), inherits TMPDIR pointing into it, so `os.tmpdir()` and `mktemp` land there.
 * At the end the directory is removed whatever it holds; what a test forgot to remove is named first and
 * fails the run (exit code 1), because tests leave nothing behind.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** How many leftover names to show; the rest are counted per prefix. */
const SHOW = 20;

/** `mhm-cli-home-AbC123` → `mhm-cli-home-` (mkdtemp's six random characters dropped). */
const prefixOf = (name: string) => name.replace(/[A-Za-z0-9]{6}$/, '');

export function describeLeftovers(names: readonly string[]): string {
  const byPrefix = new Map<string, number>();
  for (const n of names) byPrefix.set(prefixOf(n), (byPrefix.get(prefixOf(n)) ?? 0) + 1);
  const counts = [...byPrefix].sort((a, b) => b[1] - a[1]).map(([p, n]) => `${p}* ×${n}`).join(', ');
  const shown = names.slice(0, SHOW).join(', ');
  return `${names.length} entr${names.length === 1 ? 'y' : 'ies'} (${counts}): ${shown}${names.length > SHOW ? ', …' : ''}`;
}

export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), 'mhm-test-run-'));
  process.env.TMPDIR = root;
  return () => {
    let left: string[] = [];
    try {
      left = readdirSync(root).sort();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
    if (left.length > 0) {
      // A teardown that throws is only logged by vitest ("error during close"); the exit code is what CI reads.
      console.error(`\nFAIL: the tests left ${describeLeftovers(left)} in the run's TMPDIR (${root}, now removed): each test must remove what it creates (test/support/temp-dir.ts)`);
      process.exitCode = 1;
    }
  };
}
