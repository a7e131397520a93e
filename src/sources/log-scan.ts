/** Scanning a byte stream of log lines (a pipe, a socket, a command's stdout) into entries and stats. */
import type { Readable } from 'node:stream';
import { EntryCounter, emptyStats, type EntrySinkOptions, type LogStats } from './log-stats.js';

/** Options of every scan: the line cap, a callback per entry, the clock, and a stop signal. */
export interface ScanOptions extends EntrySinkOptions {
  /** Stops the scan; what was read so far is still counted and returned. */
  signal?: AbortSignal;
}

function asBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  return Buffer.from(String(chunk), 'utf8');
}

/**
 * Reads `stream` to its end (or until `signal` aborts) and counts every line. Memory stays at the line cap
 * plus one chunk, whatever the stream holds. Rejects only if the stream itself fails.
 */
export async function scanStream(stream: Readable, opts: ScanOptions = {}): Promise<LogStats> {
  const stats = emptyStats();
  const counter = new EntryCounter(stats, opts);
  const { signal } = opts;
  const onAbort = () => stream.destroy();
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for await (const chunk of stream) {
      counter.push(asBuffer(chunk));
      if (signal?.aborted) break;
    }
  } catch (err) {
    // Destroying the stream on abort ends the iteration with ERR_STREAM_PREMATURE_CLOSE: that is our stop.
    if (!signal?.aborted) throw err;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  counter.end();
  return stats;
}
