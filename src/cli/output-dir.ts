/**
 * Where `--output <file>` and `--output-dir <dir>` write: the directory is created when missing (with its
 * parents), the same for every command, and a directory that cannot be made is a usage error saying why.
 */
import { mkdirSync, statSync } from 'node:fs';
import { UsageError } from '../errors.js';

/** Makes `dir` exist as a directory for `flag given`; throws UsageError (exit 3) when it cannot. */
export function ensureOutputDir(dir: string, flag: string, given: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new UsageError(`${flag} ${given}: cannot create the directory ${dir} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}). Choose a directory you can write.`, { cause: err });
  }
  if (!statSync(dir).isDirectory()) throw new UsageError(`${flag} ${given}: ${dir} is not a directory. Choose a directory.`);
}
