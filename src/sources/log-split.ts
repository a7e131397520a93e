/**
 * A byte-level line splitter with a line cap (faults D7). `readline` keeps a whole line as a string: it peaked
 * at 284 MiB on a 100 MiB line and died with RangeError on a 600 MiB one. Here a line is held only up to the
 * cap; the rest, up to the next `\n`, is dropped and counted. Only `\n` ends a line: a `\r` inside a line
 * is data (the `\r` overwrite trick of faults D1 is the views' to escape), and one `\r` right before `\n`
 * is a CRLF ending and is removed.
 */

/** Default cap on one line, in bytes. */
export const DEFAULT_MAX_LINE_BYTES = 64 * 1024;

/**
 * Receives one line as `buf[start, end)`, without its `\n` (or `\r\n`). The bytes are only valid during the
 * call: the buffer is reused, so copy or decode them before returning.
 */
export type LineSink = (buf: Buffer, start: number, end: number) => void;

/** Splits a stream of byte chunks into lines; memory stays at the cap whatever the input. */
export class LineSplitter {
  /** Lines longer than the cap, cut at the cap. */
  truncatedLines = 0;
  readonly maxLineBytes: number;
  private readonly onLine: LineSink;
  // A line that spans chunks is copied here. One byte over the cap, so a `\r` just past the cap can still
  // be recognised as a CRLF ending rather than as one byte too many.
  private carry: Buffer | undefined;
  private carryLen = 0;
  private discarding = false;

  constructor(onLine: LineSink, maxLineBytes = DEFAULT_MAX_LINE_BYTES) {
    this.onLine = onLine;
    this.maxLineBytes = Math.max(1, Math.floor(maxLineBytes) || DEFAULT_MAX_LINE_BYTES);
  }

  /** True while a line is pending (bytes after the last `\n`). */
  get hasPartial(): boolean {
    return this.carryLen > 0 || this.discarding;
  }

  /** Feeds the next chunk; complete lines are emitted before this returns. */
  push(chunk: Buffer): void {
    const n = chunk.length;
    let pos = 0;
    while (pos < n) {
      const nl = chunk.indexOf(10, pos);
      if (nl === -1) {
        this.stash(chunk, pos, n);
        return;
      }
      if (this.carryLen === 0 && !this.discarding) this.emit(chunk, pos, nl, true);
      else {
        this.stash(chunk, pos, nl);
        this.emit(this.carry as Buffer, 0, this.carryLen, true, this.discarding);
        this.carryLen = 0;
        this.discarding = false;
      }
      pos = nl + 1;
    }
  }

  /** Ends the input: a last line without `\n` is emitted as it is (its `\r`, if any, kept). */
  end(): void {
    if (!this.hasPartial) return;
    this.emit(this.carry as Buffer, 0, this.carryLen, false, this.discarding);
    this.carryLen = 0;
    this.discarding = false;
  }

  /** Forgets a pending partial line (the file under it was truncated or replaced). */
  reset(): void {
    this.carryLen = 0;
    this.discarding = false;
  }

  private emit(buf: Buffer, start: number, end: number, beforeNewline: boolean, overflowed = false): void {
    if (beforeNewline && end > start && buf[end - 1] === 13 && !overflowed) end--;
    if (overflowed || end - start > this.maxLineBytes) {
      this.truncatedLines++;
      end = start + this.maxLineBytes;
    }
    this.onLine(buf, start, end);
  }

  private stash(chunk: Buffer, start: number, end: number): void {
    if (this.discarding || start === end) return;
    const room = this.maxLineBytes + 1 - this.carryLen;
    this.carry ??= Buffer.allocUnsafe(this.maxLineBytes + 1);
    const take = Math.min(room, end - start);
    chunk.copy(this.carry, this.carryLen, start, start + take);
    this.carryLen += take;
    if (end - start > take) this.discarding = true;
  }
}
