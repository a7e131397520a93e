import {
  appendFileSync, closeSync, mkdtempSync, openSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, truncateSync,
  unlinkSync, writeFileSync, writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, test } from 'vitest';
import { LogFileError, LogTailer, type LogRead } from './log-reader.js';

const FIXTURES = new URL('../../test/fixtures/logs/', import.meta.url);
const fixture = (name: string) => readFileSync(new URL(name, FIXTURES));
const dir = mkdtempSync(join(tmpdir(), 'mhm-log-tailer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshPath = () => join(dir, `t${n++}.log`);
const lines = (from: number, count: number) => Array.from({ length: count }, (_, i) => `line ${from + i}\n`).join('');
const messages = (r: LogRead) => r.entries.map((e) => e.message);

describe('LogTailer: incremental reads', () => {
  test('reads what is there, then only what was appended; an idle read reads nothing', async () => {
    const path = freshPath();
    writeFileSync(path, lines(0, 3));
    const t = new LogTailer(path);
    const r1 = await t.read();
    expect(r1).toMatchObject({ reset: 'none', stats: { lines: 3, entries: 3 } });
    appendFileSync(path, lines(3, 2));
    expect(messages(await t.read())).toEqual(['line 3', 'line 4']);
    const idle = await t.read();
    expect(idle).toMatchObject({ reset: 'none', entries: [], stats: { lines: 0, bytes: 0 } });
  });

  test('a line still being written is counted once, when its \\n arrives', async () => {
    const path = freshPath();
    writeFileSync(path, 'line 0\nline ');
    const t = new LogTailer(path);
    expect(messages(await t.read())).toEqual(['line 0']);
    appendFileSync(path, '1 is long');
    expect(messages(await t.read())).toEqual([]);
    appendFileSync(path, '\n');
    expect(messages(await t.read())).toEqual(['line 1 is long']);
  });

  test('a 200 KB line written across reads is one truncated line', async () => {
    const path = freshPath();
    writeFileSync(path, 'a'.repeat(100_000));
    const t = new LogTailer(path);
    const r1 = await t.read();
    appendFileSync(path, `${'a'.repeat(100_000)}\nnext\n`);
    const r2 = await t.read();
    expect(r1.stats.lines + r2.stats.lines).toBe(2);
    expect(r1.stats.truncatedLines + r2.stats.truncatedLines).toBe(1);
    expect(messages(r2)[1]).toBe('next');
  });

  test('entries are bounded to the newest maxEntries; stats still count every line', async () => {
    const path = freshPath();
    writeFileSync(path, lines(0, 2500));
    const r = await new LogTailer(path, { maxEntries: 1000 }).read();
    expect(r.stats.entries).toBe(2500);
    expect(r.entries).toHaveLength(1000);
    expect(r.entries[0]?.message).toBe('line 1500');
    expect(r.entries.at(-1)?.message).toBe('line 2499');
  });
});

describe('LogTailer: truncation and replacement (faults D8)', () => {
  test('the captured sequence: a second hub truncates the live 4,455-line file, the live hub keeps appending', async () => {
    const path = freshPath();
    const before = fixture('main-mcp-hub.log.txt');
    const afterSecond = fixture('main-mcp-hub.log.after-second-hub.txt');
    const final = fixture('main-mcp-hub.log.final.txt');
    expect(final.subarray(0, afterSecond.length).equals(afterSecond)).toBe(true); // final = after-second-hub + 21 lines
    writeFileSync(path, before);
    const t = new LogTailer(path);
    expect((await t.read()).stats.lines).toBe(4455);

    writeFileSync(path, afterSecond); // O_TRUNC, same inode: what the second hub's logger does
    const r2 = await t.read();
    expect(r2.reset).toBe('truncated');
    expect(r2.stats).toMatchObject({ lines: 14, bytes: afterSecond.length });
    expect(r2.stats.byCode.get('HTTP_SERVER_START_ERROR')).toBe(1);

    appendFileSync(path, final.subarray(afterSecond.length));
    const r3 = await t.read();
    expect(r3.reset).toBe('none');
    expect(r3.stats.lines).toBe(21);
    expect(r3.stats.byKind.get('hub_stopping')).toBe(1);
    expect(r3.entries.at(-1)?.message).toBe('Graceful shutdown completed successfully');
  });

  test('truncate, then write fewer new lines: reset "truncated", only the new lines counted', async () => {
    const path = freshPath();
    writeFileSync(path, lines(0, 10));
    const t = new LogTailer(path);
    await t.read();
    truncateSync(path, 0);
    appendFileSync(path, lines(10, 3));
    const r = await t.read();
    expect(r.reset).toBe('truncated');
    expect(messages(r)).toEqual(['line 10', 'line 11', 'line 12']);
  });

  test('truncated then regrown past our offset with the same first line: reset "truncated" (hub restart)', async () => {
    const path = freshPath();
    const head = 'Starting HTTP server on port 37373\n';
    writeFileSync(path, head + lines(0, 5));
    const t = new LogTailer(path);
    await t.read();
    writeFileSync(path, head + lines(100, 20)); // same first line, longer than before
    const r = await t.read();
    expect(r.reset).toBe('truncated');
    expect(r.stats.lines).toBe(21);
    expect(messages(r)[1]).toBe('line 100');
  });

  test('a different first line at the same inode and size: reset "replaced"', async () => {
    const path = freshPath();
    writeFileSync(path, 'AAAA\nline 1\n');
    const t = new LogTailer(path);
    await t.read();
    const fd = openSync(path, 'r+');
    writeSync(fd, 'BBBB', 0);
    closeSync(fd);
    const r = await t.read();
    expect(r.reset).toBe('replaced');
    expect(messages(r)).toEqual(['BBBB', 'line 1']);
  });

  test('mv away and a new file in its place (new inode): reset "replaced", read from 0', async () => {
    const path = freshPath();
    writeFileSync(path, lines(0, 5));
    const t = new LogTailer(path);
    await t.read();
    renameSync(path, `${path}.1`);
    writeFileSync(`${path}.new`, lines(0, 8)); // bigger, and even the same first lines
    renameSync(`${path}.new`, path);
    const r = await t.read();
    expect(r.reset).toBe('replaced');
    expect(r.stats.lines).toBe(8);
  });

  test('a missing file is reset "missing", no throw; when it comes back it is read from 0 as "replaced"', async () => {
    const path = freshPath();
    const t = new LogTailer(path);
    expect(await t.read()).toMatchObject({ reset: 'missing', entries: [], stats: { lines: 0 } });
    writeFileSync(path, lines(0, 2));
    expect(await t.read()).toMatchObject({ reset: 'replaced', stats: { lines: 2 } });
    unlinkSync(path);
    expect((await t.read()).reset).toBe('missing');
    writeFileSync(path, lines(5, 1));
    expect(messages(await t.read())).toEqual(['line 5']);
  });

  test('a symlink is refused with a LogFileError', async () => {
    const target = freshPath();
    writeFileSync(target, 'x\n');
    const link = freshPath();
    symlinkSync(target, link);
    await expect(new LogTailer(link).read()).rejects.toBeInstanceOf(LogFileError);
    await expect(new LogTailer(link).read()).rejects.toMatchObject({ code: 'symlink' });
  });

  test('property: appends, truncations, replacements and reads in any order: every line is counted once, none lost after a reset', async () => {
    type Op = { op: 'append' | 'truncate' | 'replace'; count: number } | { op: 'read' };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ op: fc.constant('append' as const), count: fc.integer({ min: 0, max: 6 }) }),
      fc.record({ op: fc.constantFrom('truncate' as const, 'replace' as const), count: fc.integer({ min: 0, max: 6 }) }),
      fc.constant({ op: 'read' as const }),
    );
    await fc.assert(fc.asyncProperty(fc.array(op, { maxLength: 25 }), async (ops) => {
      const path = freshPath();
      writeFileSync(path, '');
      const t = new LogTailer(path);
      let seq = 0;
      let pending: string[] = [];
      let rewritten = false;
      // What the tailer knew at its last read: nothing yet, or the inode and how many bytes it had read.
      let known: { ino: number; size: number } | undefined;
      for (const o of [...ops, { op: 'read' as const }]) {
        if (o.op === 'read') {
          const r = await t.read();
          expect(messages(r)).toEqual(pending);
          const st = statSync(path);
          // A reset shows when there was something to lose: another inode, or rewritten content under
          // bytes already read. (A rewrite of a file read while empty loses nothing and may go unseen.)
          const visible = known !== undefined && (known.ino !== st.ino || (rewritten && known.size > 0));
          expect(r.reset !== 'none').toBe(visible);
          known = { ino: st.ino, size: st.size };
          pending = [];
          rewritten = false;
          continue;
        }
        const text = lines(seq, o.count);
        const added = Array.from({ length: o.count }, (_, i) => `line ${seq + i}`);
        seq += o.count;
        if (o.op === 'append') appendFileSync(path, text);
        else if (o.op === 'truncate') {
          truncateSync(path, 0);
          appendFileSync(path, text);
        } else {
          writeFileSync(`${path}.next`, text);
          renameSync(`${path}.next`, path);
        }
        if (o.op === 'append') pending.push(...added);
        else {
          // Lines written before a rewrite and never read are gone with the old content.
          pending = added;
          rewritten = true;
        }
      }
    }), { numRuns: 150 });
  });

  test('interleaved truncation while a writer appends: no line counted twice, every line after the last truncation counted', async () => {
    const path = freshPath();
    writeFileSync(path, '');
    const t = new LogTailer(path, { maxEntries: 100_000 });
    const seen: number[] = [];
    let written = 0;
    let lastTruncationAt = 0;
    let writing = true;
    const writer = (async () => {
      for (let round = 0; round < 200; round++) {
        if (round % 50 === 25) {
          truncateSync(path, 0);
          lastTruncationAt = written;
        }
        appendFileSync(path, lines(written, 5));
        written += 5;
        await new Promise((r) => setImmediate(r));
      }
      writing = false;
    })();
    while (writing) {
      for (const e of (await t.read()).entries) seen.push(Number(e.message.slice(5)));
      await new Promise((r) => setImmediate(r));
    }
    await writer;
    for (const e of (await t.read()).entries) seen.push(Number(e.message.slice(5)));
    expect(new Set(seen).size).toBe(seen.length);
    const after = Array.from({ length: written - lastTruncationAt }, (_, i) => lastTruncationAt + i);
    expect(seen.filter((s) => s >= lastTruncationAt)).toEqual(after);
  });
});
