import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { tempDir } from '../../test/support/temp-dir.js';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from '../store/migrations.js';
import { Store } from '../store/store.js';
import { decodeEvent, EVENT_SCHEMA_VERSION, EVENT_TYPES, eventRow, isKnown, isPassedThrough, type EventData, type EventType, type NewEvent, type StoredEvent } from './events.js';

/** A row of every catalogued type as its writer stores it; `satisfies` fails to compile when a type is missing. */
const EXAMPLES = {
  hub_state: { state: 'ready', source: 'poll', pid: 4242, previous: 'starting' },
  poll_failed: { failure: 'refused', message: 'GET http://127.0.0.1:7000/api/health: connect ECONNREFUSED' },
  poll_recovered: { after: 'refused' },
  server_status: { from: null, to: 'up', message: 'connected, up 3s' },
  server_dead: { from: 'up', to: 'dead', message: 'the hub says connected, but uptime stayed 0' },
  server_removed: { from: 'up' },
  sse_open: undefined,
  sse_close: { reason: 'eof', detail: 'GET http://127.0.0.1:7000/api/events: the hub ended the stream' },
  transport_closed: undefined,
  log: { level: 'error', message: 'connect failed', code: 'ECONNRESET' },
  log_summary: { from: 1, to: 900, total: 2168, byLevel: { error: 2168 }, byCode: { E_LOOP: 2168 }, sample: ['Maximum call stack size exceeded'] },
  tool_list_changed: { added: ['search'], removed: [], changed: [{ name: 'read', fields: ['description'] }], count: 5 },
  config_changed: { isSignificant: true, servers: ['fs', 'everything'] },
  servers_updated: { changes: { modified: ['fs'] } },
  servers_updating: { changes: { added: ['new'] } },
  workspaces_updated: undefined,
  resource_list_changed: undefined,
  prompt_list_changed: undefined,
  hub_subscription: { subscription: 'hub_reloaded', changes: { modified: ['fs'] } },
  probe_disagreement: { hubStatus: 'connected', outcome: 'timeout', detail: null, latencyMs: 5000 },
  probe_recovered: { after: 'timeout' },
  canary_failed: { tool: 'echo', outcome: 'error', detail: 'isError' },
  canary_recovered: { tool: 'echo', after: 'error' },
  clock_jump: { deltaMs: -3_600_000, aheadMs: 3_600_000, followedMs: 0 },
  daemon_paused: { lateMs: 40_000 },
  slots_skipped: { count: 3, lateMs: 16_000 },
  job_result: { job: 'validate', status: 'warning', exitCode: 1, durationMs: 900, problems: [{ id: 'server.status', status: 'warning', subject: 'fs', message: 'down' }] },
  store_corrupt: { movedTo: '/state/history.sqlite.corrupt-1' },
  config_reloaded: { hubs: ['http://127.0.0.1:7000'], needsRestart: ['http'] },
  config_reload_failed: { error: 'alerting.rules.nope: no such rule' },
  alert_firing: { rule: 'server.status', severity: 'critical', fingerprint: 'fp', summary: 'fs: dead' },
  alert_resolved: { rule: 'server.status', severity: 'critical', fingerprint: 'fp', summary: 'fs: connected, up 6s' },
  remediation: { action: 'heal_server', target: 'fs', why: 'fs: dead', who: 'rule server.status', dryRun: false, result: 'healed', rule: 'server.status', detail: 'stopped and started', durationMs: 420 },
} satisfies { [K in EventType]: EventData<K> };

const row = (type: string, data: unknown, id = 1) => ({ id, hub: 'http://127.0.0.1:7000', t: 1_000, type, server: 'fs', data });

describe('the catalogue types its writers', () => {
  test('a row of a catalogued type with its data shape compiles; a wrong shape, a missing field or an unknown type does not', () => {
    const ok: NewEvent[] = [
      { hub: 'h', t: 1, type: 'server_status', server: 'fs', data: { from: 'up', to: 'down', message: 'm' } },
      { hub: 'h', t: 1, type: 'sse_open' },
      { hub: 'h', t: 1, type: 'log', data: { level: 'warn', message: 'm' } }, // code is optional
    ];
    const wrong: NewEvent[] = [
      // @ts-expect-error `to` is a string
      { hub: 'h', t: 1, type: 'server_status', data: { from: 'up', to: 1, message: 'm' } },
      // @ts-expect-error `message` is missing
      { hub: 'h', t: 1, type: 'server_dead', data: { from: 'up', to: 'dead' } },
      // @ts-expect-error a misspelt field
      { hub: 'h', t: 1, type: 'poll_recovered', data: { afterr: 'refused' } },
      // @ts-expect-error hub_state carries data
      { hub: 'h', t: 1, type: 'hub_state' },
      // @ts-expect-error not a catalogued type
      { hub: 'h', t: 1, type: 'server_flapped', data: {} },
      // @ts-expect-error alert events carry their rule, severity, fingerprint and summary
      { hub: 'h', t: 1, type: 'alert_firing', data: { fingerprint: 'fp', summary: 's' } },
    ];
    expect(ok).toHaveLength(3);
    expect(wrong).toHaveLength(6);
  });

  test('a reader narrows on type: the data of each type is typed, an unknown event carries its stored type', () => {
    const describeEvent = (e: StoredEvent): string => {
      switch (e.type) {
        case 'server_dead': return `${e.server} ${e.data.from} → ${e.data.to}`;
        case 'unknown': return `? ${e.storedType}`;
        default: return e.type;
      }
    };
    expect(describeEvent(decodeEvent(row('server_dead', EXAMPLES.server_dead)))).toBe('fs up → dead');
    expect(describeEvent(decodeEvent(row('server_flapped', {})))).toBe('? server_flapped');
  });
});

describe('reading rows', () => {
  test.each(EVENT_TYPES.map((type) => [type]))('a %s row as its writer stores it reads as that type, data unchanged', (type) => {
    const data = EXAMPLES[type];
    const e = decodeEvent(row(type, data));
    expect(e).toEqual({ ...row(type, data) });
    expect(isKnown(e)).toBe(true);
  });

  test.each([
    ['a type this version does not know', 'server_flapped', { count: 3 }],
    ['the name of an Object.prototype member', 'constructor', {}],
    ['a shape that fails its check (a number for a string)', 'server_status', { from: 'up', to: 3, message: 'm' }],
    ['a missing field', 'hub_state', { state: 'ready' }],
    ['data where the type carries none', 'poll_failed', undefined],
    ['not an object', 'alert_firing', 'plain text'],
    ['null', 'clock_jump', null],
    ['an array where an object is due', 'log', [1, 2]],
    ['one bad element', 'log_summary', { ...EXAMPLES.log_summary, byCode: { E: 'many' } }],
  ])('%s reads as an unknown event with its stored type and data, never a throw', (_what, type, data) => {
    const e = decodeEvent(row(type, data, 7));
    expect(e).toEqual({ id: 7, hub: 'http://127.0.0.1:7000', t: 1_000, type: 'unknown', storedType: type, server: 'fs', data });
    expect(isKnown(e)).toBe(false);
    expect(eventRow(e)).toEqual(row(type, data, 7)); // the generic outputs show it as stored
  });

  test('fields beyond the shape are kept: an older or newer writer\'s extra field is not lost', () => {
    const data = { ...EXAMPLES.poll_failed, status: 503 };
    expect(decodeEvent(row('poll_failed', data)).data).toEqual(data);
  });

  test('EVENT_TYPES lists each catalogued type once; the hub\'s pass-through subscription types are among them', () => {
    expect(new Set(EVENT_TYPES).size).toBe(EVENT_TYPES.length);
    expect(EVENT_TYPES).not.toContain('unknown');
    for (const t of ['servers_updated', 'servers_updating', 'workspaces_updated', 'resource_list_changed', 'prompt_list_changed']) {
      expect(isPassedThrough(t)).toBe(true);
      expect(EVENT_TYPES).toContain(t);
    }
    expect(isPassedThrough('tool_list_changed')).toBe(false); // stored with its diff, not passed through
    expect(isPassedThrough('constructor')).toBe(false);
  });
});

describe('through the store', () => {
  test('every type written with insertEvents reads back from queryEvents and eventsAfter as itself', () => {
    const store = Store.open({ stateDir: join(tempDir('events-'), 'state'), quickCheck: false });
    try {
      const written: NewEvent[] = EVENT_TYPES.map((type, i) => ({ hub: 'h', t: 1_000 + i, type, server: 'fs', data: EXAMPLES[type] }) as NewEvent);
      store.insertEvents(written);
      const read = store.queryEvents({ hub: 'h', from: 0, to: 10_000, limit: 100 });
      expect(read.map((e) => [e.type, e.data])).toEqual(EVENT_TYPES.map((type) => [type, EXAMPLES[type]]));
      expect(store.eventsAfter('h', EVENT_TYPES, 0, 100)).toEqual(read);
    } finally {
      store.close();
    }
  });

  test(`schema ${EVENT_SCHEMA_VERSION}: a subscription type stored under the hub's own name becomes hub_subscription; a hand-edited row stays and reads as unknown`, () => {
    expect(EVENT_SCHEMA_VERSION).toBeLessThanOrEqual(LATEST_SCHEMA_VERSION);
    expect(MIGRATIONS[EVENT_SCHEMA_VERSION - 1]?.name).toMatch(/event/);
    const stateDir = join(tempDir('events-v3-'), 'state');
    const old = Store.open({ stateDir, quickCheck: false, migrations: MIGRATIONS.slice(0, EVENT_SCHEMA_VERSION - 1) });
    const raw = old.db.prepare('INSERT INTO events (hub, t, type, server, data) VALUES (?, ?, ?, ?, ?)');
    raw.run('h', 1, 'servers_updated', null, '{"changes":{"modified":["fs"]}}');
    raw.run('h', 2, 'hub_reloaded', 'fs', '{"changes":{"modified":["fs"]}}');
    raw.run('h', 3, 'hub_reloaded', null, null);
    raw.run('h', 4, 'hub_reloaded', null, '{not json');
    raw.run('h', 5, 'server_status', 'fs', '{"to":"up"}'); // an edited row of a known type
    old.close();
    const store = Store.open({ stateDir, quickCheck: false });
    try {
      expect(store.openInfo.schemaVersion).toBe(LATEST_SCHEMA_VERSION);
      const read = store.queryEvents({ hub: 'h', from: 0, to: 10, limit: 10 });
      expect(read.map((e) => [e.type, e.type === 'unknown' ? e.storedType : null, e.data])).toEqual([
        ['servers_updated', null, { changes: { modified: ['fs'] } }],
        ['hub_subscription', null, { changes: { modified: ['fs'] }, subscription: 'hub_reloaded' }],
        ['hub_subscription', null, { subscription: 'hub_reloaded' }],
        ['unknown', 'hub_reloaded', '{not json'],
        ['unknown', 'server_status', { to: 'up' }],
      ]);
    } finally {
      store.close();
    }
  });
});
