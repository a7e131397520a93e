import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { ManualClock } from '../model/clock.js';
import { classifyLine } from './log-classify.js';
import { createSseDecoder, lastBoundaryEnd, type SseDecoderOptions } from './sse-parse.js';
import { REDACTED } from './sse-redact.js';
import type { SseHubState, SseObservation, SseSubscription } from './sse-types.js';

const fixture = (name: string) => readFileSync(new URL(`../../test/fixtures/sse/${name}`, import.meta.url));

function decode(input: Buffer | string | (Buffer | string)[], opts: Partial<SseDecoderOptions> = {}) {
  const out: SseObservation[] = [];
  const clock = new ManualClock();
  const d = createSseDecoder({ hub: 'h', emit: (o) => out.push(o), clock, flood: { maxLogEventsPerSecond: Infinity }, ...opts });
  const results: boolean[] = [];
  for (const chunk of Array.isArray(input) ? input : [input]) results.push(d.push(Buffer.from(chunk), clock.now()));
  d.flush();
  return { out, d, results, of: <K extends SseObservation['kind']>(k: K) => out.filter((o): o is Extract<SseObservation, { kind: K }> => o.kind === k) };
}

/** Counts `event:` lines per name straight from the capture text. */
function countEvents(text: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const m of text.matchAll(/^event: (.*)$/gm)) counts[m[1]!] = (counts[m[1]!] ?? 0) + 1;
  return counts;
}

/** Splits a buffer at the given cut points (each taken modulo the length). */
function split(buf: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
  const parts: Buffer[] = [];
  let prev = 0;
  for (const p of points) { parts.push(buf.subarray(prev, p)); prev = p; }
  parts.push(buf.subarray(prev));
  return parts;
}

const strip = (o: SseObservation) => ({ ...o, at: 0 });

describe('lastBoundaryEnd', () => {
  test.each([
    ['event: a\ndata: 1\n\n', 18],
    ['data: 1\n\ndata: 2\n\ndata: 3', 18],
    ['data: 1\r\n\r\ndata: 2', 11],
    ['data: 1\r\rdata: 2', 9],
    ['data: 1\ndata: 2\n', -1],
    ['', -1],
  ])('%j → %i', (text, want) => {
    expect(lastBoundaryEnd(Buffer.from(text), -1)).toBe(want);
  });

  test('a blank line split across chunks is found from the previous chunk\'s last byte', () => {
    expect(lastBoundaryEnd(Buffer.from('\ndata: x'), 0x0a)).toBe(1);
    expect(lastBoundaryEnd(Buffer.from('data: x'), 0x0a)).toBe(-1);
  });
});

describe('the main capture (docs/hub-api.md §3)', () => {
  const main = fixture('main-sse-events.txt');
  const counts = countEvents(main.toString('utf8'));

  test('every event is decoded: counts per kind equal the capture\'s', () => {
    const { of, d } = decode(main);
    expect(counts).toEqual({ log: 4_459, hub_state: 6, heartbeat: 4, subscription_event: 16 }); // the capture itself
    expect(of('log')).toHaveLength(counts.log!);
    expect(of('hub_state')).toHaveLength(counts.hub_state!);
    expect(of('heartbeat')).toHaveLength(counts.heartbeat!);
    expect(of('subscription')).toHaveLength(counts.subscription_event!);
    expect(of('invalid')).toEqual([]);
    expect(d.counters.eventsTotal).toBe(4_485);
  });

  test('hub_state carries state, pid, port and has_restarted; the hub\'s ISO timestamp becomes hubTime', () => {
    const states = decode(main).of('hub_state');
    expect(states.map((s) => s.state)).toEqual(['starting', 'ready', 'restarting', 'restarted', 'restarting', 'stopping']);
    expect(states[3]).toMatchObject({ pid: 5653, port: 37373, hasRestarted: true, hubTime: Date.parse('2026-11-24T19:24:34.832Z') });
    expect(states[0]!.hasRestarted).toBeUndefined();
  });

  test('with the default flood cap the 4,459 logs are 50 per second plus summaries, exactly', () => {
    const { of } = decode(main, { flood: {} });
    const summaries = of('log_summary');
    expect(summaries).toHaveLength(1); // all in one synchronous push: one window
    expect(of('log')).toHaveLength(50);
    expect(of('log').length + summaries[0]!.total).toBe(4_459);
    expect(summaries[0]!.sample.length).toBeLessThanOrEqual(5);
  });

  test('property: however the bytes are chunked, and whatever the line endings, the observations are the same', () => {
    const small = Buffer.concat([fixture('capability-change-sse-events.txt'), fixture('fork-legacy-sse-wire.txt'), Buffer.from('event: nope\ndata: 1\n\ndata: {x\n\n')]);
    const whole = decode(small).out.map(strip);
    const crlf = Buffer.from(small.toString('utf8').replace(/\n/g, '\r\n'));
    const cr = Buffer.from(small.toString('utf8').replace(/\n/g, '\r'));
    expect(decode(crlf).out.map(strip)).toEqual(whole);
    expect(decode(cr).out.map(strip)).toEqual(whole);
    fc.assert(fc.property(fc.constantFrom(small, crlf, cr), fc.array(fc.nat(), { maxLength: 30 }), (bytes, cuts) => {
      expect(decode(split(bytes, cuts)).out.map(strip)).toEqual(whole);
    }), { numRuns: 300 });
  });
});

describe('subscriptions', () => {
  test('a real tool_list_changed keeps the full tool objects (docs/hub-api.md §3)', () => {
    const text = fixture('capability-change-sse-events.txt').toString('utf8');
    const raw = JSON.parse(/^data: (\{"type":"tool_list_changed".*)$/m.exec(text)![1]!) as Record<string, unknown>;
    const [sub] = decode(text).of('subscription').filter((s) => s.type === 'tool_list_changed');
    expect(sub).toMatchObject({ type: 'tool_list_changed', server: 'dynamic' });
    expect(sub!.payload).toEqual(raw);
    expect((sub!.payload.tools as unknown[]).length).toBe(2);
  });

  test('config_changed secrets are redacted (faults D14)', () => {
    const payload = { type: 'config_changed', isSignificant: true, newConfig: { mcpServers: { gh: { command: 'x', env: { GITHUB_TOKEN: 'ghp_canary' } } }, apiKey: 'sk-canary' } };
    const [sub] = decode(`event: subscription_event\ndata: ${JSON.stringify(payload)}\n\n`).of('subscription');
    expect(sub!.payload).toMatchObject({ newConfig: { mcpServers: { gh: { env: { GITHUB_TOKEN: REDACTED } } }, apiKey: REDACTED } });
    expect(JSON.stringify(sub)).not.toContain('canary');
  });
});

describe('the fork\'s batches (docs/hub-api.md §8, faults A19)', () => {
  test.each(['fork-legacy-sse-wire.txt', 'fork-pino-sse-wire.txt'])('%s: every inner event is unwrapped and counted', (name) => {
    const { of, d } = decode(fixture(name));
    expect(of('hub_state').map((s) => [s.state, s.batched])).toEqual([['ready', undefined], ['restarting', true]]);
    expect(of('log')).toHaveLength(4);
    expect(of('log').every((l) => l.batched)).toBe(true);
    expect(of('subscription').map((s) => s.type)).toEqual(['servers_updated', 'servers_updated', 'tool_list_changed']);
    expect(of('subscription')[0]!.hubTime).toBe(1795548501160 + (name.startsWith('fork-pino') ? 1_016 : 0));
    expect(of('heartbeat')).toEqual([expect.objectContaining({ connections: 1, batched: true })]);
    expect(d.counters.heartbeats).toBe(1);
    expect(d.counters.eventsTotal).toBe(10);
    expect(of('invalid')).toEqual([]);
  });

  test('an inner hub_state without its own timestamp takes the batch\'s', () => {
    const [s] = decode(fixture('fork-legacy-sse-wire.txt')).of('hub_state').filter((x) => x.batched);
    expect(s!.hubTime).toBe(Date.parse('2026-11-24T19:28:21.160Z'));
  });

  test('a real fork run: log_batch codes are kept, the plain snapshot is not batched', () => {
    const text = fixture('fork-run-sse-events.txt').toString('utf8');
    const { of, d } = decode(text);
    expect(of('log').some((l) => l.code === 'MARKETPLACE_INIT_ERROR')).toBe(true);
    expect(of('invalid')).toEqual([]);
    const counts = countEvents(text);
    expect(of('hub_state')).toHaveLength(counts.hub_state! + counts.hub_state_batch!);
    expect(d.counters.eventsTotal).toBeGreaterThanOrEqual(Object.values(counts).reduce((a, b) => a + b, 0));
  });

  test('the fork in pino mode says "debug" for every entry: its warnings and errors are the ones its pino file records', () => {
    // Same run, two records: the SSE capture and the pino log file (levels as labels).
    const pino = readFileSync(new URL('../../test/fixtures/logs/fork-mcp-hub.log.final.jsonl', import.meta.url), 'utf8')
      .split('\n').flatMap((line) => {
        const e = classifyLine(line, 0);
        return e && ['warn', 'error', 'fatal'].includes(e.level) ? [`${e.level} ${e.message}`] : [];
      });
    const logs = decode(fixture('fork-run-sse-events.txt')).of('log');
    expect(new Set(logs.filter((l) => l.batched).map((l) => l.level)).has('debug')).toBe(true); // debug lines stay debug
    const serious = logs.filter((l) => ['warn', 'error', 'fatal'].includes(l.level)).map((l) => `${l.level} ${l.message}`);
    expect(pino).toHaveLength(10);
    expect(serious).toEqual(pino);
  });

  test('the fork\'s level from content: wording first, then a code means error, else unknown; its legacy mode\'s own levels stand', () => {
    const pino = decode(fixture('fork-pino-sse-wire.txt')).of('log').map((l) => [l.message, l.level]);
    expect(pino).toEqual([
      ['SSE client connected', 'unknown'], ['probe info message', 'unknown'], ['probe warn message', 'unknown'], ['probe error message', 'error'],
    ]);
    // The fork's default (legacy) logger sends real levels: once one shows, "debug" means debug again.
    const legacy = decode(fixture('fork-legacy-sse-wire.txt')).of('log').map((l) => l.level);
    expect(legacy).toEqual(['unknown', 'info', 'warn', 'error']);
    const more = 'event: log_batch\ndata: {"events":[{"type":"debug","message":"x stderr: y"}]}\n\n';
    expect(decode([fixture('fork-legacy-sse-wire.txt'), more]).of('log').map((l) => l.level)).toEqual(['unknown', 'info', 'warn', 'error', 'debug']);
    // A new connection may be a restarted fork in the other mode: it is learnt again.
    const { d, of } = decode(fixture('fork-legacy-sse-wire.txt'));
    d.reset();
    d.push(Buffer.from(more), 0);
    expect(of('log').at(-1)?.level).toBe('warn');
    // Upstream's own (unbatched) "debug" is believed, whatever the wording.
    const upstream = decode('event: log\ndata: {"type":"debug","message":"x stderr: y"}\n\n').of('log');
    expect(upstream.map((l) => l.level)).toEqual(['debug']);
  });

  test('a batch without an events array is invalid shape; an unknown *_batch is an unknown event', () => {
    const { of } = decode('event: log_batch\ndata: {"events":5}\n\nevent: foo_batch\ndata: {"events":[]}\n\n');
    expect(of('invalid').map((i) => i.reason)).toEqual(['shape', 'unknown_event']);
  });
});

describe('garbage (faults A16, D6, D9)', () => {
  const hubState = 'event: hub_state\ndata: {"state":"ready"}\n\n';

  test.each([
    ['not JSON', 'event: log\ndata: {nope\n\n', 'json'],
    ['an unknown event name', 'event: surprise\ndata: {}\n\n', 'unknown_event'],
    ['no event name at all', 'data: {}\n\n', 'unknown_event'],
    ['nested deeper than 64', `event: log\ndata: ${'['.repeat(100)}${']'.repeat(100)}\n\n`, 'depth'],
    ['JSON that is not an object', 'event: heartbeat\ndata: 42\n\n', 'shape'],
    ['hub_state without state', 'event: hub_state\ndata: {"pid":1}\n\n', 'shape'],
    ['two events with no blank line between', 'event: log\ndata: {"type":"info"}\nevent: log\ndata: {"type":"info"}\n\n', 'json'],
    ['retry: abc', 'retry: abc\n\n', 'field'],
    ['retry: -5', 'retry: -5\n\n', 'field'],
  ])('%s is counted as %s and the next event still arrives', (_name, garbage, reason) => {
    const { of, d } = decode(hubState + garbage + hubState);
    expect(of('invalid').map((i) => i.reason)).toEqual([reason]);
    expect(d.counters.invalidTotal).toEqual({ [reason]: 1 });
    expect(of('hub_state')).toHaveLength(2);
  });

  test('retry: 999999999 is ignored, not counted; an id with NUL is ignored', () => {
    const { of, out } = decode(`retry: 999999999\n\nid: a\u0000b\n${hubState}`);
    expect(of('hub_state')).toHaveLength(1);
    expect(out).toHaveLength(1);
  });

  test('CR-only line endings and a leading BOM decode like the plain stream', () => {
    const plain = decode(hubState + 'event: heartbeat\ndata: {"connections":1}\n\n').out;
    expect(plain).toHaveLength(2);
    expect(decode((hubState + 'event: heartbeat\ndata: {"connections":1}\n\n').replace(/\n/g, '\r')).out).toEqual(plain);
    expect(decode(['\ufeff', hubState, 'event: heartbeat\ndata: {"connections":1}\n\n']).out).toEqual(plain);
    expect(decode(Buffer.concat([Buffer.from([0xef, 0xbb]), Buffer.from([0xbf]), Buffer.from(hubState + 'event: heartbeat\ndata: {"connections":1}\n\n')])).out).toEqual(plain);
  });

  test('invalid UTF-8 and a lone surrogate become replacement characters, not a crash', () => {
    const bytes = Buffer.concat([Buffer.from('event: log\ndata: {"type":"info","message":"a'), Buffer.from([0xff, 0xfe]), Buffer.from('b \\ud800"}\n\n')]);
    const [log] = decode(bytes).of('log');
    expect(log!.message).toBe('a\ufffd\ufffdb \ud800');
  });

  test('prototype-pollution keys in every event kind leave Object.prototype unchanged (faults D6)', () => {
    const names = Object.getOwnPropertyNames(Object.prototype).sort();
    const evil = '"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}';
    const { of } = decode([
      `event: hub_state\ndata: {"state":"ready",${evil}}\n\n`,
      `event: log\ndata: {"type":"info","message":"m",${evil},"data":{${evil},"server":"__proto__"}}\n\n`,
      `event: subscription_event\ndata: {"type":"servers_updated",${evil},"changes":{${evil}}}\n\n`,
      `event: log_batch\ndata: {"events":[{"type":"info",${evil}}],${evil}}\n\n`,
    ]);
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(names);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(of('log')[0]!.server).toBe('__proto__');
    const sub = of('subscription')[0] as SseSubscription;
    expect(Object.getPrototypeOf(sub.payload)).toBe(Object.prototype);
    expect(Object.prototype.hasOwnProperty.call(sub.payload, '__proto__')).toBe(true);
    expect((of('hub_state')[0] as SseHubState).state).toBe('ready');
  });
});

describe('the per-event cap', () => {
  test('one complete event over the cap is dropped and counted once; push asks for a reset', () => {
    const big = `event: log\ndata: {"type":"info","message":"${'x'.repeat(2_000)}"}\n\n`;
    const { of, results, d } = decode(big, { maxEventBytes: 1_000 });
    expect(results).toEqual([false]);
    expect(of('log')).toEqual([]);
    expect(d.counters.invalidTotal).toEqual({ too_large: 1 });
  });

  test('a line that never ends trips the cap as soon as its bytes pass it, without buffering them all', () => {
    const chunks = ['event: hub_state\ndata: {"state":"ready"}\n\nevent: log\ndata: "', ...Array.from({ length: 20 }, () => 'a'.repeat(100))];
    const { results, of } = decode(chunks, { maxEventBytes: 1_000 });
    const firstFalse = results.indexOf(false);
    expect(firstFalse).toBeGreaterThan(8);
    expect(firstFalse).toBeLessThanOrEqual(11);
    expect(of('hub_state')).toHaveLength(1);
  });

  test('multi-byte characters are counted in bytes', () => {
    const text = `event: log\ndata: {"message":"${'€'.repeat(400)}"}\n\n`; // 1,200 bytes, 400 chars
    expect(decode(text, { maxEventBytes: 1_000 }).results).toEqual([false]);
    expect(decode(text, { maxEventBytes: 2_000 }).results).toEqual([true]);
  });

  test('reset() forgets the partial event and the byte count', () => {
    const out: SseObservation[] = [];
    const d = createSseDecoder({ hub: 'h', emit: (o) => out.push(o), maxEventBytes: 100 });
    expect(d.push(Buffer.from('event: log\ndata: "' + 'a'.repeat(200)), 1)).toBe(false);
    d.reset();
    expect(d.push(Buffer.from('event: hub_state\ndata: {"state":"ready"}\n\n'), 2)).toBe(true);
    expect(out.map((o) => o.kind)).toEqual(['invalid', 'hub_state']);
  });
});
