/**
 * Tests that need something this machine may lack say what and how to get it. `skipUnless(...)` gives the
 * options of a `test` or `describe` that is skipped when a requirement is unmet, with the reason in the
 * task's meta: the skip reporter (skip-reporter.ts) prints every reason once at the end of the run, and
 * vitest's JSON report carries it as `assertionResults[].meta.skipReason`. A test that finds out only
 * while running calls `skipNow(ctx, reason)`.
 */
import { spawnSync } from 'node:child_process';
import type { TestContext, TestOptions } from 'vitest';

declare module 'vitest' {
  interface TaskMeta {
    /** Why the test was skipped and what un-skips it. */
    skipReason?: string;
  }
}

export interface Requirement {
  met: boolean;
  /** What is missing and how to get it, e.g. "needs `chromium` on PATH: apt-get install chromium". */
  reason: string;
}

/** Where `bin` is on PATH, or undefined. */
export function which(bin: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** A program on PATH and the Debian package that installs it; `path` is where it was found. */
export function tool(bin: string, debianPackage: string): Requirement & { path: string | undefined } {
  const path = which(bin);
  return { met: path !== undefined, path, reason: `needs \`${bin}\` on PATH: apt-get install ${debianPackage} (.ci/run installs it)` };
}

/** Any other condition, with the reason it must hold (and what makes it hold). */
export function condition(met: boolean, reason: string): Requirement {
  return { met, reason };
}

/** Options for `test(name, options, fn)` / `describe(name, options, fn)`: skipped, saying why, unless all are met. */
export function skipUnless(...requirements: Requirement[]): TestOptions {
  const unmet = requirements.filter((r) => !r.met);
  return unmet.length === 0 ? {} : { skip: true, meta: { skipReason: unmet.map((r) => r.reason).join('; ') } };
}

/** Skips the running test, saying why (for what only the test itself can find out). */
export function skipNow(ctx: TestContext, reason: string): never {
  ctx.task.meta.skipReason = reason;
  return ctx.skip(reason);
}

const isRoot = process.getuid?.() === 0;
/** The conditions tests in this suite depend on. */
export const LINUX = condition(process.platform === 'linux', 'needs Linux: it reads /proc');
export const POSIX = condition(process.platform !== 'win32', 'needs a POSIX system (not Windows): it runs executables and shell scripts');
export const NOT_ROOT = condition(!isRoot, 'needs a non-root user: root ignores file modes, so no directory is unwritable to it');
export const ROOT = condition(isRoot, 'needs root: only root can chown a directory to another user');
