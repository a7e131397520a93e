/**
 * Opening a hub log file safely, and reading it in place. The log lives in a user-writable state dir; a
 * symlink planted there could point the monitor (which may run as another user) at any file, so the last
 * path component is opened with O_NOFOLLOW, and only a regular file is read. O_NONBLOCK keeps a FIFO
 * planted at the path from hanging the open; it changes nothing for a regular file.
 */
import { constants, type Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

/** Why a log file could not be read. */
export type LogFileErrorCode = 'missing' | 'symlink' | 'not_file' | 'io';

/** A log file that cannot be read; `message` names the path and what to do. */
export class LogFileError extends Error {
  readonly code: LogFileErrorCode;
  readonly path: string;
  constructor(code: LogFileErrorCode, path: string, message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'LogFileError';
    this.code = code;
    this.path = path;
  }
}

/** An open log file and its identity at open time. */
export interface OpenLog {
  fh: FileHandle;
  stat: Stats;
}

/** Opens a log file for reading: refuses a symlink, a directory, a FIFO or a device with a LogFileError. */
export async function openLogFile(path: string): Promise<OpenLog> {
  let fh: FileHandle;
  try {
    fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP' || code === 'EMLINK') {
      throw new LogFileError('symlink', path,
        `${path}: is a symbolic link; refusing to follow it. Point the monitor at the real log file.`, err);
    }
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new LogFileError('missing', path, `${path}: no such file (has the hub run with this HOME/XDG_STATE_HOME?)`, err);
    }
    throw new LogFileError('io', path, `${path}: cannot open: ${(err as Error).message}`, err);
  }
  let stat: Stats;
  try {
    stat = await fh.stat();
  } catch (err) {
    await fh.close().catch(() => {});
    throw new LogFileError('io', path, `${path}: cannot stat: ${(err as Error).message}`, err);
  }
  if (!stat.isFile()) {
    await fh.close().catch(() => {});
    throw new LogFileError('not_file', path, `${path}: not a regular file; refusing to read it as a log.`);
  }
  return { fh, stat };
}

/** Size of the read buffer: big enough that the per-read cost vanishes, small enough to stay off the RSS budget. */
export const READ_CHUNK_BYTES = 1024 * 1024;

/**
 * Reads `fh` from `offset` to its current end (or to `limit`), handing each chunk to `onChunk`; returns the
 * offset reached. Chunk buffers are reused, so `onChunk` must consume a chunk before returning. Stops early
 * when `signal` aborts. The next chunk is read while the current one is processed: waiting for each read
 * in turn left the scan idle for a twentieth of its time.
 */
export async function readFrom(
  fh: FileHandle, offset: number, onChunk: (chunk: Buffer, chunkOffset: number) => void, signal?: AbortSignal,
  limit = Infinity,
): Promise<number> {
  let current = Buffer.allocUnsafe(READ_CHUNK_BYTES);
  let spare = Buffer.allocUnsafe(READ_CHUNK_BYTES);
  let pos = offset;
  const next = (buf: Buffer) => fh.read(buf, 0, Math.max(0, Math.min(READ_CHUNK_BYTES, limit - pos)), pos);
  let pending = next(current);
  while (!signal?.aborted) {
    const { bytesRead } = await pending;
    if (bytesRead === 0) break;
    const at = pos;
    pos += bytesRead;
    // Start the next read into the other buffer before handing this one over.
    pending = next(spare);
    onChunk(current.subarray(0, bytesRead), at);
    [current, spare] = [spare, current];
  }
  // An abort leaves one read in flight; let it settle so the handle can close cleanly.
  await pending.catch(() => undefined);
  return pos;
}
