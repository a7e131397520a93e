/**
 * Reads an SSE stream as it passes through the tap, without changing a byte: the forwarded chunks are fed in
 * as they come and each complete event (its `event` name and `data`) is handed on. An event whose data
 * grows past the cap is skipped (counted in its size, never held).
 */
import { StringDecoder } from 'node:string_decoder';

export interface SseEvent {
  event: string;
  data: string;
  /** The data's size in bytes (also for an event skipped as oversized). */
  bytes: number;
}

export class SseScanner {
  private readonly decoder = new StringDecoder('utf8');
  private rest = '';
  private event = '';
  private data: string[] = [];
  private bytes = 0;
  private oversized = false;

  constructor(private readonly maxBytes: number, private readonly onEvent: (e: SseEvent) => void) {}

  push(chunk: Buffer): void {
    const text = this.rest + this.decoder.write(chunk);
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      const end = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      this.line(text.slice(start, end));
      start = nl + 1;
    }
    this.rest = text.slice(start);
    // A line that never ends (a hostile stream) is not held past the cap.
    if (this.rest.length > this.maxBytes) {
      this.oversized = true;
      this.rest = '';
    }
  }

  private line(line: string): void {
    if (line === '') return this.dispatch();
    if (line.startsWith('data:')) {
      const value = line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5);
      this.bytes += Buffer.byteLength(value) + (this.data.length > 0 || this.oversized ? 1 : 0);
      if (this.bytes > this.maxBytes) {
        this.oversized = true;
        this.data = [];
      } else if (!this.oversized) this.data.push(value);
    } else if (line.startsWith('event:')) {
      this.event = line.charCodeAt(6) === 32 ? line.slice(7) : line.slice(6);
    }
  }

  private dispatch(): void {
    const e = { event: this.event || 'message', data: this.data.join('\n'), bytes: this.bytes };
    const skip = this.oversized || (this.data.length === 0 && this.bytes === 0);
    this.event = '';
    this.data = [];
    this.bytes = 0;
    this.oversized = false;
    if (!skip) this.onEvent(e);
  }
}
