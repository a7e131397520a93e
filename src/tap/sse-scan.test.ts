import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { SseScanner, type SseEvent } from './sse-scan.js';

interface Spec {
  event: string | undefined;
  data: string[];
  crlf: boolean;
  /** Each data line written `data:value` instead of `data: value` (only when the value does not start with a space). */
  tight: boolean;
  comment: boolean;
}

/** Text of a field value: no line breaks; any other character, multi-byte ones included. */
const value = fc.string({ unit: fc.oneof(fc.constantFrom('a', 'é', '€', '😀', ' ', ':', '{', '"'), fc.string({ unit: 'grapheme', maxLength: 1 })), maxLength: 30 })
  .map((s) => s.replace(/[\r\n]/g, ''));
const spec: fc.Arbitrary<Spec> = fc.record({
  event: fc.option(value.filter((v) => v !== '' && !v.startsWith(' ')), { nil: undefined }),
  data: fc.array(value, { minLength: 1, maxLength: 4 }),
  crlf: fc.boolean(),
  tight: fc.boolean(),
  comment: fc.boolean(),
});

function wire(specs: readonly Spec[]): Buffer {
  let out = '';
  for (const s of specs) {
    const nl = s.crlf ? '\r\n' : '\n';
    if (s.comment) out += `: keep-alive${nl}`;
    if (s.event !== undefined) out += `event: ${s.event}${nl}`;
    for (const d of s.data) out += (s.tight && !d.startsWith(' ') ? `data:${d}` : `data: ${d}`) + nl;
    out += `id: 7${nl}${nl}`;
  }
  return Buffer.from(out, 'utf8');
}

const expected = (s: Spec): SseEvent => ({ event: s.event ?? 'message', data: s.data.join('\n'), bytes: Buffer.byteLength(s.data.join('\n')) });

function scan(chunks: readonly Buffer[], max = 1 << 20): SseEvent[] {
  const got: SseEvent[] = [];
  const scanner = new SseScanner(max, (e) => got.push(e));
  for (const c of chunks) scanner.push(c);
  return got;
}

/** The buffer cut at the given offsets (anywhere, also inside a multi-byte character or a CRLF). */
function split(buf: Buffer, cuts: readonly number[]): Buffer[] {
  const at = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const c of [...at, buf.length]) {
    out.push(buf.subarray(prev, c));
    prev = c;
  }
  return out;
}

describe('SseScanner', () => {
  test('property: however the stream is cut into chunks, the same events come out, in order, each as it was written', () => {
    fc.assert(fc.property(fc.array(spec, { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 40 }), (specs, cuts) => {
      const buf = wire(specs);
      expect(scan(split(buf, cuts))).toEqual(specs.map(expected));
    }), { numRuns: 500 });
  });

  test('property: a byte at a time gives the same events as the whole stream at once', () => {
    fc.assert(fc.property(fc.array(spec, { maxLength: 5 }), (specs) => {
      const buf = wire(specs);
      expect(scan([...buf].map((b) => Buffer.of(b)))).toEqual(scan([buf]));
    }), { numRuns: 200 });
  });

  test('an event whose data grows past the cap is skipped and the next one comes through, however it is cut', () => {
    const buf = Buffer.from(`data: ${'x'.repeat(100)}\n\ndata: small\n\nevent: endpoint\ndata: /messages?sessionId=1\n\n`);
    fc.assert(fc.property(fc.array(fc.nat(), { maxLength: 20 }), (cuts) => {
      expect(scan(split(buf, cuts), 50)).toEqual([
        { event: 'message', data: 'small', bytes: 5 },
        { event: 'endpoint', data: '/messages?sessionId=1', bytes: 21 },
      ]);
    }), { numRuns: 200 });
  });

  test('a line that never ends is not held past the cap, and the stream reads on after it', () => {
    const got: SseEvent[] = [];
    const scanner = new SseScanner(50, (e) => got.push(e));
    for (let i = 0; i < 100; i++) scanner.push(Buffer.from('y'.repeat(40)));
    scanner.push(Buffer.from('\n\ndata: after\n\n'));
    expect(got).toEqual([{ event: 'message', data: 'after', bytes: 5 }]);
  });
});
