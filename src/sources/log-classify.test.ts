import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { MAX_MESSAGE_CHARS, classifyLine, classifyLineForStats, levelFrom, type LogEntry } from './log-classify.js';
import { levelByContent } from './log-patterns.js';
import { parseIso } from './log-time.js';

const FIXTURES = new URL('../../test/fixtures/logs/', import.meta.url);
const fixtureLines = (name: string) => readFileSync(new URL(name, FIXTURES), 'utf8').split('\n');
const classifyAll = (name: string) =>
  fixtureLines(name).map((l) => classifyLine(l, 1)).filter((e): e is LogEntry => e !== undefined);

function tally<T>(xs: T[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[String(x)] = (out[String(x)] ?? 0) + 1;
  return out;
}
const ofKind = (es: LogEntry[], kind: LogEntry['kind']) => es.filter((e) => e.kind === kind);

describe('upstream plain-text log (main-mcp-hub.log.txt, 4,455 lines)', () => {
  const es = classifyAll('main-mcp-hub.log.txt');

  test('every line is a text entry; none is blank or malformed', () => {
    expect(es).toHaveLength(4455);
    expect(es.every((e) => e.format === 'text' && !e.malformed && e.timeMs === undefined && e.readAtMs === 1)).toBe(true);
  });

  test("17 `'<n>' transport closed` lines, debug, by server", () => {
    const closed = ofKind(es, 'transport_closed');
    expect(closed.every((e) => e.level === 'debug')).toBe(true);
    expect(tally(closed.map((e) => e.server))).toEqual({ everything: 5, filesystem: 4, broken: 4, 'missing-binary': 2, 'everything-2': 2 });
  });

  test('4 `Failed to connect` lines are error / CONNECTION_ERROR with the quoted server', () => {
    const failed = ofKind(es, 'connect_failed');
    expect(failed.map((e) => [e.level, e.code])).toEqual(Array(4).fill(['error', 'CONNECTION_ERROR']));
    expect(tally(failed.map((e) => e.server))).toEqual({ 'missing-binary': 2, broken: 2 });
  });

  test('15 `<n> stderr:` lines are warn, 8 `MCP server connected` lines info, each with its server', () => {
    const stderr = ofKind(es, 'server_stderr');
    expect(stderr.every((e) => e.level === 'warn')).toBe(true);
    expect(tally(stderr.map((e) => e.server))).toEqual({ broken: 4, everything: 4, filesystem: 6, 'everything-2': 1 });
    const connected = ofKind(es, 'server_connected');
    expect(tally(connected.map((e) => e.server))).toEqual({ everything: 4, filesystem: 3, 'everything-2': 1 });
  });

  test('hub life-cycle lines: 1 start, 2 ready (start and restart), 1 restart, 2 config changes, no stop', () => {
    const kinds = tally(es.map((e) => e.kind));
    expect(kinds).toMatchObject({ hub_starting: 1, hub_ready: 2, hub_restarting: 1, config_changed: 2 });
    expect(kinds.hub_stopping).toBeUndefined();
  });

  test('levels read from the wording: 5 error, 23 warn, 20 info, 30 debug, the rest unknown', () => {
    expect(tally(es.map((e) => e.level))).toEqual({ error: 5, warn: 23, info: 20, debug: 30, unknown: 4377 });
    expect(tally(es.filter((e) => e.code).map((e) => e.code))).toEqual({ CONNECTION_ERROR: 4, MARKETPLACE_INIT_ERROR: 1, SSE_CONNECTION_ERROR: 1 });
  });

  test("every level read from a text line is the level the hub logged that message at (its stdout/stderr JSON)", () => {
    const hubLevel = new Map<string, string>();
    for (const name of ['main-hub-stdout.jsonl', 'main-hub-stderr.txt']) {
      for (const l of fixtureLines(name)) {
        if (!l.startsWith('{')) continue;
        const j = JSON.parse(l) as { type: string; message: string };
        hubLevel.set(j.message, j.type);
      }
    }
    let compared = 0;
    for (const e of es) {
      if (e.level === 'unknown') continue;
      expect({ message: e.message, level: hubLevel.get(e.message) }).toEqual({ message: e.message, level: e.level });
      compared++;
    }
    expect(compared).toBe(78);
  });
});

describe('the shared file after a second hub failed with EADDRINUSE (main-mcp-hub.log.after-second-hub.txt)', () => {
  const es = classifyAll('main-mcp-hub.log.after-second-hub.txt');

  test('the bind failure is an error with its codes; the graceful stop is one hub_stopping', () => {
    expect(es).toHaveLength(14);
    expect(es[1]).toMatchObject({ level: 'error', code: 'HTTP_SERVER_START_ERROR', kind: 'other' });
    expect(es[2]).toMatchObject({ level: 'error', code: 'EADDRINUSE', message: 'listen EADDRINUSE: address already in use :::37373' });
    expect(es.find((e) => e.message === 'Failed to stop HTTP server')).toMatchObject({ level: 'error', code: 'SERVER_STOP_ERROR' });
    expect(tally(es.map((e) => e.kind))).toEqual({ hub_starting: 1, hub_stopping: 1, other: 12 });
  });

  test('the hub logs HTTP_SERVER_START_ERROR at info: JSON keeps the hub level, text says error (documented difference)', () => {
    const json = fixtureLines('main-second-hub-stdout.jsonl').map((l) => classifyLine(l, 0)).filter((e) => e?.code === 'HTTP_SERVER_START_ERROR');
    expect(json).toHaveLength(1);
    expect(json[0]).toMatchObject({ format: 'hub-json', level: 'info' });
  });
});

describe('hub console JSON (main-hub-stdout.jsonl, main-hub-stderr.txt)', () => {
  test('stdout: 4,448 hub-json entries, 4,391 info and 57 debug, each with its timestamp', () => {
    const es = classifyAll('main-hub-stdout.jsonl');
    expect(es).toHaveLength(4448);
    expect(es.every((e) => e.format === 'hub-json')).toBe(true);
    expect(tally(es.map((e) => e.level))).toEqual({ info: 4391, debug: 57 });
    expect(es[0]).toMatchObject({ message: 'Starting HTTP server on port 37373', kind: 'hub_starting', timeMs: Date.parse('2026-11-24T19:24:16.632Z') });
    expect(tally(ofKind(es, 'transport_closed').map((e) => e.server))).toEqual({ everything: 6, filesystem: 5, broken: 4, 'missing-binary': 2, 'everything-2': 2 });
    expect(ofKind(es, 'hub_stopping')).toHaveLength(1);
  });

  test('stderr: 28 JSON lines (23 warn, 5 error) between Node crash dumps, which stay text; none malformed', () => {
    const es = classifyAll('main-hub-stderr.txt');
    const json = es.filter((e) => e.format === 'hub-json');
    expect(json).toHaveLength(28);
    expect(tally(json.map((e) => e.level))).toEqual({ warn: 23, error: 5 });
    const connect = json.filter((e) => e.code === 'CONNECTION_ERROR');
    expect(tally(connect.map((e) => e.server))).toEqual({ 'missing-binary': 2, broken: 2 });
    expect(json.filter((e) => e.code === 'MARKETPLACE_INIT_ERROR')).toHaveLength(1);
    const text = es.filter((e) => e.format === 'text');
    expect(text).toHaveLength(32); // 84 lines − 28 JSON − 24 blank or all-space
    expect(text.every((e) => e.level === 'unknown' && !e.malformed)).toBe(true);
  });

  test("a server's multi-line stderr inside one JSON message is one server_stderr entry", () => {
    const es = classifyAll('capability-change-hub-stderr.txt');
    const dump = es.find((e) => e.kind === 'server_stderr');
    expect(dump).toMatchObject({ server: 'dynamic', level: 'warn' });
    expect(dump?.message).toContain('\n    at Server.registerCapabilities');
  });

  test('capability-change stdout: the crashed server leaves one transport closed for "dynamic"', () => {
    const es = classifyAll('capability-change-hub-stdout.jsonl');
    expect(es).toHaveLength(41);
    expect(ofKind(es, 'transport_closed').map((e) => e.server)).toEqual(['dynamic']);
  });
});

describe("the fork's pino log (fork-mcp-hub.log.final.jsonl)", () => {
  const es = classifyAll('fork-mcp-hub.log.final.jsonl');

  test('82 pino entries: 38 debug, 34 info, 7 warn, 3 error; time from `time`', () => {
    expect(es).toHaveLength(82);
    expect(es.every((e) => e.format === 'pino')).toBe(true);
    expect(tally(es.map((e) => e.level))).toEqual({ debug: 38, info: 34, warn: 7, error: 3 });
    expect(es[0]?.timeMs).toBe(Date.parse('2026-11-24T19:29:25.622Z'));
  });

  test('codes and servers come from the flattened fields; transport closed from the message', () => {
    expect(es.filter((e) => e.code === 'CONNECTION_ERROR').map((e) => e.server)).toEqual(['broken', 'missing-binary']);
    expect(tally(ofKind(es, 'transport_closed').map((e) => e.server))).toEqual({ broken: 1, everything: 2, filesystem: 1, 'missing-binary': 1 });
    expect(es.filter((e) => e.message.startsWith('Initializing MCP server')).map((e) => e.server)).toEqual(['everything', 'filesystem', 'broken', 'missing-binary']);
  });

  test('each warning and error is told by its content alone (wording, or a code), as the fork\'s SSE stream needs', () => {
    const serious = es.filter((e) => e.level === 'warn' || e.level === 'error');
    expect(serious).toHaveLength(10);
    expect(serious.map((e) => levelByContent(e.message, e.code))).toEqual(serious.map((e) => e.level));
    // The fork's own warning, also as a plain-text line (its default logger's file).
    expect(classifyLine('Meta-tools NOT registered: mode=server-allowlist, enableMetaTools=undefined', 0)?.level).toBe('warn');
    expect(levelByContent('Meta-tools registered: 27 total tools in allCapabilities', undefined)).toBe('unknown');
    expect(levelByContent("'broken' transport closed", undefined)).toBe('debug');
  });
});

describe('formats are decided per line', () => {
  test.each([
    ['pino with a label', '{"level":"warn","time":"2026-11-24T19:29:25.622Z","msg":"x"}', 'pino', 'warn'],
    ['pino with a number', '{"level":50,"time":1795591765622,"msg":"x"}', 'pino', 'error'],
    ['hub JSON', '{"type":"debug","message":"x","data":{},"timestamp":"2026-11-24T19:24:16.632Z"}', 'hub-json', 'debug'],
    ['JSON of another shape', '{"foo":1}', 'text', 'unknown'],
    ['plain text', 'Restarting MCP Hub', 'text', 'info'],
  ])('%s', (_name, line, format, level) => {
    expect(classifyLine(line, 0)).toMatchObject({ format, level });
  });

  test('pino `time` may be epoch ms; a bad or absurd time is no time', () => {
    expect(classifyLine('{"level":30,"time":1795591765622,"msg":"x"}', 0)?.timeMs).toBe(1795591765622);
    expect(classifyLine('{"level":30,"time":"yesterday","msg":"x"}', 0)?.timeMs).toBeUndefined();
    expect(classifyLine('{"level":30,"time":1e300,"msg":"x"}', 0)?.timeMs).toBeUndefined();
  });

  test('hub JSON: code from data.code, server from data.serverName, numeric codes as strings', () => {
    expect(classifyLine('{"type":"error","message":"m","data":{"code":"X_ERROR","serverName":"s1"}}', 0)).toMatchObject({ code: 'X_ERROR', server: 's1' });
    expect(classifyLine('{"type":"error","message":"m","data":{},"code":-32001}', 0)).toMatchObject({ code: '-32001' });
  });

  test('a non-string message is kept as JSON text', () => {
    expect(classifyLine('{"level":"info","msg":{"a":1}}', 0)?.message).toBe('{"a":1}');
  });
});

describe('levels', () => {
  test.each([
    [10, 'debug'], [20, 'debug'], [30, 'info'], [35, 'info'], [40, 'warn'], [50, 'error'], [60, 'fatal'], [70, 'fatal'],
    [-1, 'unknown'], [Number.NaN, 'unknown'], ['WARN', 'warn'], ['warning', 'warn'], ['trace', 'debug'],
    ['constructor', 'unknown'], ['__proto__', 'unknown'], [null, 'unknown'],
  ])('%s → %s', (input, level) => {
    expect(levelFrom(input)).toBe(level);
  });
});

describe('blank, malformed and hostile lines', () => {
  test.each(['', ' ', '\t', '\r', '   \t  ', '\uFEFF'])('blank line %j gives no entry', (line) => {
    expect(classifyLine(line, 0)).toBeUndefined();
  });

  test.each([
    ['unterminated', '{"level":"info","msg":"x"'],
    ['a lone brace', '{'],
    ['trailing garbage', '{"level":"info","msg":"x"} tail'],
    ['nested 65 deep', `{"level":"info","msg":"x","a":${'['.repeat(64)}${']'.repeat(64)}}`],
  ])('%s: a text entry flagged malformed', (_name, line) => {
    expect(classifyLine(line, 0)).toMatchObject({ format: 'text', level: 'unknown', malformed: true, message: line });
  });

  test('nested exactly 64 deep is still accepted', () => {
    const line = `{"level":"info","msg":"x","a":${'['.repeat(63)}${']'.repeat(63)}}`;
    expect(classifyLine(line, 0)).toMatchObject({ format: 'pino', level: 'info' });
  });

  test('a 10,000-deep line is malformed and raises nothing', () => {
    expect(classifyLine(`{"a":${'['.repeat(10_000)}`, 0)?.malformed).toBe(true);
  });

  test('ANSI and OSC escapes stay raw in the message (escaping is for the views)', () => {
    const raw = '\x1b[2J\x1b]0;pwned\x07\x1b]52;c;QUJD\x07\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\\x9b31m\rover';
    expect(classifyLine(`everything stderr: ${raw}`, 0)).toMatchObject({ kind: 'server_stderr', message: `everything stderr: ${raw}` });
    expect(classifyLine(JSON.stringify({ level: 'info', msg: raw }), 0)?.message).toBe(raw);
  });

  test('__proto__ and constructor keys are data: Object.prototype is unchanged and nothing is inherited', () => {
    const before = Object.getOwnPropertyNames(Object.prototype);
    const lines = [
      '{"level":"info","msg":"x","__proto__":{"polluted":true,"server":"evil"},"constructor":{"prototype":{"polluted":true}}}',
      '{"type":"info","message":"m","data":{"__proto__":{"server":"evil","code":"EVIL"}},"__proto__":{"code":"EVIL"}}',
      '{"__proto__":{"msg":"x","level":"error"}}',
    ];
    const es = lines.map((l) => classifyLine(l, 0));
    expect(es[0]).toMatchObject({ format: 'pino', server: undefined });
    expect(es[1]).toMatchObject({ format: 'hub-json', server: undefined, code: undefined });
    expect(es[2]).toMatchObject({ format: 'text' });
    expect(Object.getOwnPropertyNames(Object.prototype)).toEqual(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test('a polluted Object.prototype lends no member to a line', () => {
    const proto = Object.prototype as Record<string, unknown>;
    try {
      proto.msg = 'from the prototype';
      proto.level = 'error';
      proto.server = 'evil';
      expect(classifyLine('{"type":"info","message":"m","data":{}}', 0)).toMatchObject({ format: 'hub-json', level: 'info', server: undefined });
      expect(classifyLine('{"foo":1}', 0)).toMatchObject({ format: 'text' });
    } finally {
      delete proto.msg;
      delete proto.level;
      delete proto.server;
    }
  });

  test('the message is cut at 2,048 characters without splitting a surrogate pair', () => {
    const long = `${'a'.repeat(MAX_MESSAGE_CHARS - 1)}😀tail`;
    const e = classifyLine(long, 0);
    expect(e?.message).toBe('a'.repeat(MAX_MESSAGE_CHARS - 1));
    expect(classifyLine('x'.repeat(5000), 0)?.message).toHaveLength(MAX_MESSAGE_CHARS);
  });

  test('lone surrogates from JSON escapes become U+FFFD', () => {
    const e = classifyLine('{"level":"info","msg":"a\\ud800b","server":"s\\udc00"}', 0);
    expect(e?.message).toBe('a\uFFFDb');
    expect(e?.server).toBe('s\uFFFD');
  });

  test('any string: never throws, blank iff no entry, message capped and well-formed', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (line) => {
      const e = classifyLine(line, 7);
      const blank = line.replace(/^\uFEFF/, '').trim() === '';
      expect(e === undefined).toBe(blank);
      if (e) {
        expect(e.message.length).toBeLessThanOrEqual(MAX_MESSAGE_CHARS);
        expect((e.message as unknown as { isWellFormed(): boolean }).isWellFormed()).toBe(true);
        expect(e.readAtMs).toBe(7);
      }
    }), { numRuns: 2000 });
  });

  test('any JSON object line: never throws; pino iff it has msg and a string or number level', () => {
    const member = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom('info', 'error', 30, 'Failed to connect to "x" MCP server: y'));
    const key = fc.constantFrom('msg', 'level', 'type', 'message', 'code', 'server', 'serverName', 'data', 'time', 'timestamp', '__proto__', 'x');
    fc.assert(fc.property(fc.dictionary(key, member, { maxKeys: 8 }), (obj) => {
      const line = JSON.stringify(obj);
      const e = classifyLine(line, 0);
      const parsed = JSON.parse(line) as Record<string, unknown>;
      const own = (k: string) => (Object.prototype.hasOwnProperty.call(parsed, k) ? parsed[k] : undefined);
      const isPino = own('msg') !== undefined && ['string', 'number'].includes(typeof own('level'));
      expect(e?.format === 'pino').toBe(isPino);
      expect(e?.malformed).toBeUndefined();
    }), { numRuns: 1000 });
  });
});

describe('classifyLineForStats (the counting-only path)', () => {
  const counted = (e: LogEntry | undefined) => e && [e.format, e.level, e.code, e.server, e.kind, e.malformed];

  test('agrees with classifyLine on everything that is counted, for every captured line', () => {
    for (const name of ['main-mcp-hub.log.txt', 'main-hub-stdout.jsonl', 'main-hub-stderr.txt', 'fork-mcp-hub.log.final.jsonl', 'capability-change-hub-stderr.txt']) {
      for (const l of fixtureLines(name)) expect(counted(classifyLineForStats(l))).toEqual(counted(classifyLine(l, 0)));
    }
  });

  test('agrees on any string and any JSON object line, and leaves classifyLine whole afterwards', () => {
    const jsonLine = fc.dictionary(fc.constantFrom('msg', 'level', 'type', 'message', 'code', 'server', 'data', 'time'), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 6 }).map((o) => JSON.stringify(o));
    fc.assert(fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), jsonLine), (line) => {
      expect(counted(classifyLineForStats(line))).toEqual(counted(classifyLine(line, 0)));
    }), { numRuns: 1000 });
    expect(classifyLine('{"level":"info","time":"2026-11-24T19:29:25.622Z","msg":"x"}', 0)?.timeMs).toBe(Date.parse('2026-11-24T19:29:25.622Z'));
  });
});

describe('timestamps', () => {
  test('parseIso agrees with Date.parse on every toISOString() instant and on odd shapes', () => {
    fc.assert(fc.property(fc.integer({ min: -62_000_000_000_000, max: 250_000_000_000_000 }), (t) => {
      const s = new Date(t).toISOString();
      expect(parseIso(s)).toBe(Date.parse(s));
    }), { numRuns: 5000 });
    for (const s of ['2026-02-30T00:00:00.000Z', '2026-11-24T24:00:00.000Z', '0050-01-01T00:00:00.000Z', '2024-02-29T12:00:00.000Z', '2026-11-24T19:24:16.632+01:00']) {
      expect(parseIso(s)).toBe(Date.parse(s));
    }
    for (const s of ['2026-13-01T00:00:00.000Z', '2026-11-24T19:24:16.63xZ', 'yesterday', '']) expect(parseIso(s)).toBeUndefined();
  });
});
