import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { afterAll, describe, expect, test } from 'vitest';
import { waitUntil } from '../../test/support/wait.js';
import {
  DEFAULT_MAX_LINE_BYTES, LineSplitter, LogFileError, MAX_MESSAGE_CHARS, MAX_STAT_KEYS, OTHER_KEY,
  hubLogFileCandidates, runLogCommand, scanFile, scanStream, type LogEntry,
} from './log-reader.js';

const FIXTURES = new URL('../../test/fixtures/logs/', import.meta.url);
const fixture = (name: string) => new URL(name, FIXTURES).pathname;
const dir = mkdtempSync(join(tmpdir(), 'mhm-log-reader-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
/** A fresh file in the test's temp dir holding `content`. */
function tempFile(content: string | Buffer): string {
  const p = join(dir, `f${n++}.log`);
  writeFileSync(p, content);
  return p;
}
const entriesOf = async (path: string, opts = {}) => {
  const es: LogEntry[] = [];
  const stats = await scanFile(path, { ...opts, onEntry: (e) => es.push(e) });
  return { es, stats };
};

describe('scanFile on the real captures', () => {
  test('upstream text log: 205,051 bytes, 4,455 lines, exact kinds, levels and servers', async () => {
    const s = await scanFile(fixture('main-mcp-hub.log.txt'));
    expect(s).toMatchObject({ bytes: 205051, lines: 4455, entries: 4455, malformed: 0, truncatedLines: 0, endOffset: 205051, size: 205051 });
    expect(s.byLevel).toEqual({ debug: 30, info: 20, warn: 23, error: 5, fatal: 0, unknown: 4377 });
    expect(Object.fromEntries(s.byKind)).toEqual({
      hub_starting: 1, other: 4405, connect_failed: 4, server_stderr: 15, transport_closed: 17, server_connected: 8,
      hub_ready: 2, hub_restarting: 1, config_changed: 2,
    });
    expect(Object.fromEntries(s.byCode)).toEqual({ MARKETPLACE_INIT_ERROR: 1, CONNECTION_ERROR: 4, SSE_CONNECTION_ERROR: 1 });
    // transport closed + connected + stderr + connect failures + "Initializing MCP server" + "'n' error:"/"failed to start connection"
    expect(Object.fromEntries(s.byServer)).toEqual({ everything: 15, filesystem: 15, broken: 18, 'missing-binary': 10, 'everything-2': 4 });
  });

  test('hub stderr: 84 lines, 24 blank, 4 crash-dump lines over 64 KiB cut and counted, 28 JSON entries', async () => {
    const s = await scanFile(fixture('main-hub-stderr.txt'));
    expect(s).toMatchObject({ bytes: 514004, lines: 84, entries: 60, malformed: 0, truncatedLines: 4 });
    expect(s.byLevel).toEqual({ debug: 0, info: 0, warn: 23, error: 5, fatal: 0, unknown: 32 });
    expect(s.byCode.get('CONNECTION_ERROR')).toBe(4);
  });

  test('hub stdout JSON: 4,448 entries, 19 transport closed', async () => {
    const s = await scanFile(fixture('main-hub-stdout.jsonl'));
    expect(s).toMatchObject({ lines: 4448, entries: 4448, malformed: 0 });
    expect(s.byLevel).toMatchObject({ info: 4391, debug: 57 });
    expect(s.byKind.get('transport_closed')).toBe(19);
  });

  test("fork pino log: 82 entries and the fork's two CONNECTION_ERRORs", async () => {
    const s = await scanFile(fixture('fork-mcp-hub.log.final.jsonl'));
    expect(s).toMatchObject({ bytes: 12345, lines: 82, entries: 82, malformed: 0 });
    expect(s.byLevel).toEqual({ debug: 38, info: 34, warn: 7, error: 3, fatal: 0, unknown: 0 });
    expect(s.byCode.get('CONNECTION_ERROR')).toBe(2);
    expect(s.byKind.get('transport_closed')).toBe(5);
  });

  test('the stats are the same whether or not entries are asked for (stats-only scans skip work)', async () => {
    for (const name of ['main-mcp-hub.log.txt', 'main-hub-stderr.txt', 'main-hub-stdout.jsonl', 'fork-mcp-hub.log.final.jsonl']) {
      const bare = await scanFile(fixture(name));
      const { stats } = await entriesOf(fixture(name));
      expect(bare).toEqual(stats);
    }
  });

  test('fromOffset continues where endOffset stopped, without double counting', async () => {
    const path = fixture('fork-mcp-hub.log.final.jsonl');
    const first = await scanFile(fixture('fork-mcp-hub.log.jsonl')); // the same run, 61 lines earlier
    expect(first.endOffset).toBe(9661);
    const rest = await scanFile(path, { fromOffset: first.endOffset });
    expect(rest.lines).toBe(82 - 61);
    expect(rest.endOffset).toBe(12345);
    expect(first.byLevel.error + rest.byLevel.error).toBe(3);
  });
});

describe('line splitting (faults D7, D9)', () => {
  test('a 10 MB line is cut at 64 KiB and counted; the lines after it are parsed', async () => {
    const big = `{"level":"error","msg":"${'x'.repeat(10 * 1024 * 1024)}"}`;
    const path = tempFile(`${big}\n{"level":"warn","msg":"after"}\nRestarting MCP Hub\n`);
    const { es, stats } = await entriesOf(path);
    expect(stats).toMatchObject({ lines: 3, entries: 3, truncatedLines: 1, malformed: 1 });
    expect(es[0]).toMatchObject({ format: 'text', malformed: true });
    expect(es[0]?.message).toHaveLength(MAX_MESSAGE_CHARS);
    expect(es.slice(1).map((e) => [e.format, e.level, e.message])).toEqual([['pino', 'warn', 'after'], ['text', 'info', 'Restarting MCP Hub']]);
  });

  test('a 600 MB line from a stream keeps memory flat and is one truncated line', async () => {
    const chunk = Buffer.alloc(1024 * 1024, 'y');
    let peak = 0;
    const start = process.memoryUsage().rss;
    async function* source() {
      for (let i = 0; i < 600; i++) {
        if (i % 50 === 0) peak = Math.max(peak, process.memoryUsage().rss - start);
        yield chunk;
      }
      yield Buffer.from('\nafter\n');
    }
    const es: LogEntry[] = [];
    const s = await scanStream(Readable.from(source()), { onEntry: (e) => es.push(e) });
    expect(s).toMatchObject({ lines: 2, truncatedLines: 1, bytes: 600 * 1024 * 1024 + 7 });
    expect(es.map((e) => e.message)).toEqual(['y'.repeat(MAX_MESSAGE_CHARS), 'after']);
    expect(peak).toBeLessThan(64 * 1024 * 1024);
  });

  test('only \\n ends a line: \\r inside stays, one \\r before \\n goes, a last \\r without \\n stays', async () => {
    const { es, stats } = await entriesOf(tempFile('a\rb\nwin\r\n\r\nlast\r'));
    expect(stats).toMatchObject({ lines: 4, entries: 3 });
    expect(es.map((e) => e.message)).toEqual(['a\rb', 'win', 'last\r']);
  });

  test('invalid UTF-8 and CESU-encoded surrogates decode to U+FFFD, in text and inside JSON strings', async () => {
    const bad = Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80, 0xf0, 0x9f]);
    const path = tempFile(Buffer.concat([bad, Buffer.from('\n{"level":"info","msg":"'), bad, Buffer.from('"}\n')]));
    const { es, stats } = await entriesOf(path);
    expect(stats).toMatchObject({ lines: 2, entries: 2, malformed: 0 });
    for (const e of es) {
      expect(e.message).toContain('\uFFFD');
      expect((e.message as unknown as { isWellFormed(): boolean }).isWellFormed()).toBe(true);
    }
    expect(es[1]?.format).toBe('pino');
  });

  test('ANSI/OSC bytes reach the message unchanged', async () => {
    const raw = 'filesystem stderr: \x1b[2J\x1b]52;c;QUJD\x07\x9b31m\x07\x07';
    const { es } = await entriesOf(tempFile(`${raw}\n`));
    expect(es[0]).toMatchObject({ kind: 'server_stderr', server: 'filesystem', message: raw });
  });

  test('property: any lines, any chunking, any cap: exactly those lines, each cut at the cap', () => {
    const line = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 40 }).map((s) => Buffer.from(s.replace(/\n/g, ''), 'utf8')),
      fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a.map((b) => (b === 10 ? 13 : b)))),
    );
    fc.assert(fc.property(fc.array(line, { maxLength: 30 }), fc.integer({ min: 1, max: 48 }), fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1 }), (lines, cap, sizes) => {
      const bytes = Buffer.concat(lines.flatMap((l, i) => (i ? [Buffer.from('\n'), l] : [l])));
      const expected: Buffer[] = [];
      let truncated = 0;
      lines.forEach((l, i) => {
        const last = i === lines.length - 1;
        if (last && l.length === 0) return; // text ending in \n: no line after it
        let b = !last && l.at(-1) === 13 ? l.subarray(0, -1) : l;
        if (b.length > cap) {
          truncated++;
          b = b.subarray(0, cap);
        }
        expected.push(b);
      });
      const got: Buffer[] = [];
      const sp = new LineSplitter((buf, s, e) => got.push(Buffer.from(buf.subarray(s, e))), cap);
      for (let pos = 0, k = 0; pos < bytes.length; k++) {
        const size = sizes[k % sizes.length] as number;
        sp.push(bytes.subarray(pos, pos + size));
        pos += size;
      }
      sp.end();
      expect(got.map((b) => b.toString('hex'))).toEqual(expected.map((b) => b.toString('hex')));
      expect(sp.truncatedLines).toBe(truncated);
    }), { numRuns: 1500 });
  });

  test('the default cap is 64 KiB; a line of exactly 64 KiB plus CRLF is not truncated', () => {
    expect(DEFAULT_MAX_LINE_BYTES).toBe(65536);
    const got: number[] = [];
    const sp = new LineSplitter((_b, s, e) => got.push(e - s));
    const line = Buffer.concat([Buffer.alloc(65536, 'a'), Buffer.from('\r\n')]);
    sp.push(line.subarray(0, 65537)); // the \r arrives with the line, the \n in the next chunk
    sp.push(line.subarray(65537));
    sp.push(Buffer.concat([Buffer.alloc(65537, 'b'), Buffer.from('\n')]));
    expect(got).toEqual([65536, 65536]);
    expect(sp.truncatedLines).toBe(1);
  });
});

describe('scanStream', () => {
  test('counts chunks of any kind, string chunks included', async () => {
    const s = await scanStream(Readable.from(['{"level":"fatal","msg":"a"}\nb', 'oom\n', Buffer.from('c')]));
    expect(s).toMatchObject({ lines: 3, entries: 3, bytes: 34 });
    expect(s.byLevel.fatal).toBe(1);
  });

  test('stops on abort and returns what it read', async () => {
    const stream = new Readable({ read() {} });
    stream.push('{"level":"info","msg":"one"}\n');
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const s = await scanStream(stream, { signal: ac.signal });
    expect(s.lines).toBe(1);
    expect(stream.destroyed).toBe(true);
  });

  test('readAtMs comes from the injected clock', async () => {
    const es: LogEntry[] = [];
    await scanStream(Readable.from(['x\n']), { now: () => 42, onEntry: (e) => es.push(e) });
    expect(es[0]?.readAtMs).toBe(42);
  });

  test('server names are Map keys: "__proto__" counts like any name; keys are capped', async () => {
    const lines = ['{"level":"info","msg":"x","server":"__proto__"}'];
    for (let i = 0; i < MAX_STAT_KEYS + 5; i++) lines.push(`'s${i}' transport closed`);
    const s = await scanStream(Readable.from([`${lines.join('\n')}\n`]));
    expect(s.byServer.get('__proto__')).toBe(1);
    expect(s.byServer.size).toBe(MAX_STAT_KEYS + 1);
    expect(s.byServer.get(OTHER_KEY)).toBe(6);
    expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain('server');
  });
});

describe('scanFile refuses what is not a plain log file', () => {
  test('a symlink is refused with a clear error, even to a real log', async () => {
    const target = tempFile('Restarting MCP Hub\n');
    const link = join(dir, `link${n++}.log`);
    symlinkSync(target, link);
    const err = await scanFile(link).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LogFileError);
    expect(err).toMatchObject({ code: 'symlink' });
    expect((err as Error).message).toMatch(/symbolic link; refusing to follow it/);
  });

  test('a missing file, a directory and a FIFO are refused; the FIFO does not hang', async () => {
    await expect(scanFile(join(dir, 'nope.log'))).rejects.toMatchObject({ code: 'missing' });
    const sub = join(dir, `d${n++}`);
    mkdirSync(sub);
    await expect(scanFile(sub)).rejects.toMatchObject({ code: 'not_file' });
    const fifo = join(dir, `fifo${n++}`);
    if (spawnSync('mkfifo', [fifo]).status === 0) await expect(scanFile(fifo)).rejects.toMatchObject({ code: 'not_file' });
  });
});

describe('hubLogFileCandidates', () => {
  test("follows the hub's per-subdirectory rule: ~/.mcp-hub/logs first only when that folder exists", () => {
    const home = mkdtempSync(join(dir, 'home-'));
    const xdg = join(home, '.local', 'state', 'mcp-hub', 'logs', 'mcp-hub.log');
    const legacy = join(home, '.mcp-hub', 'logs', 'mcp-hub.log');
    expect(hubLogFileCandidates({ HOME: home })).toEqual([xdg, legacy]);
    expect(hubLogFileCandidates({ HOME: home, XDG_STATE_HOME: '/x/state' })).toEqual(['/x/state/mcp-hub/logs/mcp-hub.log', legacy]);
    mkdirSync(join(home, '.mcp-hub'));
    expect(hubLogFileCandidates({ HOME: home })[0]).toBe(xdg); // ~/.mcp-hub alone moves only workspaces.json
    mkdirSync(join(home, '.mcp-hub', 'logs'));
    expect(hubLogFileCandidates({ HOME: home })).toEqual([legacy, xdg]);
  });
});

describe('runLogCommand', () => {
  test("scans the command's stdout and reports its exit code", async () => {
    const es: LogEntry[] = [];
    const r = await runLogCommand(`printf '%s\\n' '{"level":"error","msg":"a","code":"C_ERROR"}' 'plain'`, { durationMs: 5000, onEntry: (e) => es.push(e) });
    expect(r).toMatchObject({ exitCode: 0, lines: 2, entries: 2 });
    expect(r.error).toBeUndefined();
    expect(r.byCode.get('C_ERROR')).toBe(1);
    expect(es.map((e) => e.message)).toEqual(['a', 'plain']);
  });

  test('a missing command gives an error string, not a throw', async () => {
    const r = await runLogCommand('mhm-no-such-command-xyz --since -5min', { durationMs: 5000 });
    expect(r.exitCode).toBe(127);
    expect(r.error).toMatch(/command not found/);
    expect(r.lines).toBe(0);
  });

  test('a failing command reports its code and stderr', async () => {
    const r = await runLogCommand('echo "No journal files were found." >&2; exit 1', { durationMs: 5000 });
    expect(r).toMatchObject({ exitCode: 1, error: expect.stringContaining('exited with code 1: No journal files were found.') });
  });

  test('a command that never ends is stopped at the deadline with its whole process group', async () => {
    const es: LogEntry[] = [];
    const t0 = Date.now();
    const r = await runLogCommand('sleep 30 & echo "$!"; while :; do echo tick; sleep 0.02; done', { durationMs: 300, onEntry: (e) => es.push(e) });
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(r.exitCode).toBeNull();
    expect(r.error).toBeUndefined();
    expect(r.lines).toBeGreaterThan(2);
    const pid = Number(es[0]?.message);
    expect(pid).toBeGreaterThan(1);
    // Gone, or a zombie waiting for whoever inherited it to reap it: either way no longer running.
    const running = () => {
      try {
        return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
      } catch {
        return false;
      }
    };
    await waitUntil(() => !running(), { what: 'the process to be gone', timeoutMs: 1_000 });
  });
});

describe('memory stays bounded on a big file', () => {
  test('a 40 MB file of 64 KiB-plus lines is scanned with the heap flat', async () => {
    const path = join(dir, `big${n++}.log`);
    const fd = openSync(path, 'w');
    const line = Buffer.concat([Buffer.alloc(70_000, 'z'), Buffer.from('\n')]);
    for (let i = 0; i < 600; i++) writeSync(fd, line);
    closeSync(fd);
    const before = process.memoryUsage().heapUsed;
    const s = await scanFile(path);
    expect(s).toMatchObject({ lines: 600, truncatedLines: 600 });
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(32 * 1024 * 1024);
  });
});
