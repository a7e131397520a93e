/**
 * Temp directories that remove themselves: `tempDir(prefix)` makes one under os.tmpdir(), and every one a
 * test file made is removed after that file's tests (the hook is registered when a test file imports
 * this module). For what must go sooner, call `removeTempDirs()` in an afterEach.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

const made: string[] = [];

/** A new empty directory `<os.tmpdir()>/<prefix>XXXXXX`, removed after this test file. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Removes every directory tempDir made so far (read-only modes included: rm does not need them writable). */
export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

afterAll(removeTempDirs);
