/**
 * A vitest reporter that ends every run with the skipped tests grouped by why they were skipped (the
 * reason requires.ts puts in the task's meta, or the note of `ctx.skip(note)`), so a newcomer sees what to
 * install. A test skipped with no reason is listed as such, to be given one.
 */
import type { Reporter, TestCase, TestModule, TestSuite } from 'vitest/node';

const NO_REASON = 'no reason given (use skipUnless or skipNow from test/support/requires.ts)';

/** The reason of a skipped test: its own meta, a suite's above it, or its skip note. */
function reasonOf(t: TestCase): string | undefined {
  let node: TestCase | TestSuite | TestModule = t;
  for (;;) {
    const r = node.meta().skipReason;
    if (r) return r;
    if (node.type === 'module') break;
    node = node.parent;
  }
  const result = t.result();
  return result.state === 'skipped' ? result.note : undefined;
}

export default class SkipReporter implements Reporter {
  private filtered = false;

  onInit(vitest: { config: { testNamePattern?: unknown } }): void {
    // With -t, tests left out by the name filter are "skipped" too, and need no reason.
    this.filtered = vitest.config.testNamePattern !== undefined;
  }

  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const byReason = new Map<string, string[]>();
    for (const m of modules) {
      for (const t of m.children.allTests('skipped')) {
        const reason = reasonOf(t) ?? (this.filtered ? undefined : NO_REASON);
        if (reason === undefined) continue;
        byReason.set(reason, [...(byReason.get(reason) ?? []), `${m.relativeModuleId} > ${t.fullName}`]);
      }
    }
    if (byReason.size === 0) return;
    const n = [...byReason.values()].reduce((a, b) => a + b.length, 0);
    const lines = [`\nSkipped ${n} test${n === 1 ? '' : 's'}:`];
    for (const [reason, tests] of byReason) lines.push(`  ${reason}`, ...tests.map((t) => `    - ${t}`));
    console.log(lines.join('\n'));
  }
}
