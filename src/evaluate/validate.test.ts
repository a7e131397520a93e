import { describe, expect, test } from 'vitest';
import { defaultConfig, type MonitorConfig } from '../config/defaults.js';
import type { HubSnapshot, ProcessFacts, LlmMetrics, ServerInfo } from '../model/hub.js';
import type { ConfiguredServer, HubConfigFile } from '../model/hub-config.js';
import { parseHealth } from '../sources/hub-models.js';
import { evaluateHub } from './check.js';
import type { Finding } from './types.js';
import { evaluateValidate, type DiskFacts, type PidFacts, type PortFacts, type ValidateInputs } from './validate.js';

const HUB = 'http://127.0.0.1:37373';
const NOW = Date.parse('2026-11-24T19:24:40.000Z');
const HUB_PID = 4242;
const CONFIG_PATH = '/home/u/.config/mcphub/config.json';
const cfg = defaultConfig();

/** A connected server clearly up: two minutes of uptime since its last start. */
function server(name: string, over: Partial<ServerInfo> = {}): ServerInfo {
  return { name, status: 'connected', error: null, uptimeS: 120, lastStartedMs: NOW - 120_000, toolCount: 2, ...over };
}

/** A reachable hub in state ready listing these servers. */
function snapshot(servers: ServerInfo[], over: Partial<HubSnapshot> = {}): HubSnapshot {
  return {
    target: { url: HUB, origin: 'workspaces', pid: HUB_PID, pidAlive: true },
    at: NOW,
    monotonicAt: 1_000,
    health: {
      ok: true,
      value: { status: 'ok', state: 'ready', serverId: 'mcp-hub', version: '4.2.1', timestampMs: NOW, servers, pid: HUB_PID },
      issues: [],
      latencyMs: 8,
    },
    metrics: { sources: [] },
    routes: {},
    ...over,
  };
}

function unreachable(process?: ProcessFacts): HubSnapshot {
  return {
    target: { url: HUB, origin: 'workspaces', pid: HUB_PID, pidAlive: false },
    at: NOW, monotonicAt: 1_000, metrics: { sources: [] }, routes: {}, process,
    health: { ok: false, failure: 'refused', message: `GET ${HUB}/api/health: connection refused`, latencyMs: 1 },
  };
}

function configured(name: string, over: Partial<ConfiguredServer> = {}): ConfiguredServer {
  return { name, transport: 'stdio', disabled: false, envKeys: [], problems: [], ...over };
}

function configFile(servers: ConfiguredServer[], path = CONFIG_PATH): HubConfigFile {
  return { path, ok: servers.every((s) => s.problems.length === 0), servers };
}

const alivePid: PidFacts = { pid: HUB_PID, via: 'workspaces.json', alive: true };
const loopbackPort: PortFacts = { listening: true, pids: [HUB_PID], addresses: ['127.0.0.1:37373'], exposedBeyondLoopback: false };

/** A healthy hub: alive pid owning a loopback port, both live servers configured, nothing else. */
function inputs(over: Partial<ValidateInputs> = {}): ValidateInputs {
  return {
    snapshot: snapshot([server('everything'), server('filesystem')]),
    pid: alivePid,
    port: loopbackPort,
    configs: [configFile([configured('everything'), configured('filesystem')])],
    disks: [],
    staleEntries: [],
    ...over,
  };
}

const run = (i: ValidateInputs, config: MonitorConfig = cfg, earlier?: HubSnapshot) => evaluateValidate(i, config, earlier);
const all = (fs: Finding[], id: string, subject?: string) => fs.filter((f) => f.id === id && (subject === undefined || f.subject === subject));
const one = (fs: Finding[], id: string, subject?: string): Finding => {
  const found = all(fs, id, subject);
  expect(found, `exactly one ${id}${subject !== undefined ? ` for ${subject}` : ''} in ${JSON.stringify(fs.map((f) => [f.id, f.subject]))}`).toHaveLength(1);
  return found[0]!;
};
const notOk = (fs: Finding[]) => fs.filter((f) => f.status === 'warning' || f.status === 'critical');

test('a healthy hub with matching config gives no warning and no critical', () => {
  const fs = run(inputs());
  expect(notOk(fs)).toEqual([]);
  expect(fs.every((f) => f.hub === HUB)).toBe(true);
});

describe('the hub process', () => {
  test.each<{ name: string; pid?: PidFacts; status: Finding['status']; message: RegExp; value: number | string }>([
    { name: 'a live pid is ok and says how it was found', pid: alivePid, status: 'ok', message: /found via workspaces\.json/, value: HUB_PID },
    { name: 'no pid at all is critical', pid: undefined, status: 'critical', message: /not running/, value: 'none' },
    { name: 'a pid with no process behind it is critical', pid: { pid: HUB_PID, via: 'workspaces.json', alive: false }, status: 'critical', message: /not running/, value: HUB_PID },
    {
      name: 'a dead pid passes its note on in the message',
      pid: { pid: HUB_PID, via: 'workspaces.json', alive: false, note: 'stale entry' }, status: 'critical', message: /not running: stale entry/, value: HUB_PID,
    },
  ])('$name', ({ pid, status, message, value }) => {
    const f = one(run(inputs({ pid })), 'hub.process');
    expect(f.status).toBe(status);
    expect(f.message).toMatch(message);
    expect(f.value).toBe(value);
  });

  test('local facts unavailable gives hub.process no_data with the reason, and no port or exposure findings', () => {
    const fs = run(inputs({ localFactsUnavailable: 'the hub is on another host', pid: undefined, port: undefined }));
    expect(one(fs, 'hub.process')).toMatchObject({ status: 'no_data', message: 'the hub is on another host' });
    expect(all(fs, 'hub.port')).toEqual([]);
    expect(all(fs, 'hub.exposure')).toEqual([]);
  });

  test('local facts unavailable wins even if port facts were passed', () => {
    const fs = run(inputs({ localFactsUnavailable: 'not Linux', port: { ...loopbackPort, exposedBeyondLoopback: true } }));
    expect(one(fs, 'hub.process').status).toBe('no_data');
    expect(all(fs, 'hub.port')).toEqual([]);
    expect(all(fs, 'hub.exposure')).toEqual([]);
  });
});

describe('something that is not a hub answers', () => {
  test('hub.identity is CRITICAL and its process, port, exposure, config files and fork cache are not judged as a hub\'s', () => {
    // An HTTP server answering 200 `{}`, through the real parser.
    const impostor: HubSnapshot = { ...snapshot([]), health: { ok: true, value: parseHealth({}).value, issues: [], latencyMs: 3 } };
    const fs = run(inputs({
      snapshot: impostor, port: { ...loopbackPort, addresses: ['::'], exposedBeyondLoopback: true },
      llmCache: { path: '/x/tool-categories-llm.json', present: false },
      disks: [{ label: 'hub state dir', path: '/x', availRatio: 0.5, availBytes: 1e9 }],
    }));
    expect(one(fs, 'hub.identity')).toMatchObject({ status: 'critical', value: 'absent' });
    for (const id of ['hub.process', 'hub.port', 'hub.exposure', 'config.parse', 'config.files', 'fork.llm_cache', 'server.status']) expect(all(fs, id)).toEqual([]);
    // The machine's own facts stay.
    expect(one(fs, 'disk.free').status).toBe('ok');
  });
});

describe('the port and its exposure', () => {
  test.each<{ name: string; port: PortFacts; id: string; status: Finding['status']; message: RegExp }>([
    {
      name: 'nothing listening on the port is critical',
      port: { listening: false, pids: [], addresses: [], exposedBeyondLoopback: false }, id: 'hub.port', status: 'critical', message: /nothing listens on port 37373/,
    },
    {
      name: 'the port owned by another pid is critical and names both pids',
      port: { ...loopbackPort, pids: [999] }, id: 'hub.port', status: 'critical', message: /owned by pid 999, not by the hub process 4242/,
    },
    {
      name: 'an owner not visible to this user (pids []) is ok and says so',
      port: { ...loopbackPort, pids: [] }, id: 'hub.port', status: 'ok', message: /owner not visible/,
    },
    { name: 'the port owned by the hub pid is ok', port: loopbackPort, id: 'hub.port', status: 'ok', message: /listening on 127\.0\.0\.1:37373 by pid 4242/ },
    { name: 'listening on loopback only is ok', port: loopbackPort, id: 'hub.exposure', status: 'ok', message: /loopback only/ },
  ])('$name', ({ port, id, status, message }) => {
    const f = one(run(inputs({ port })), id);
    expect(f.status).toBe(status);
    expect(f.message).toMatch(message);
  });

  const exposed: PortFacts = { ...loopbackPort, addresses: ['::'], exposedBeyondLoopback: true };

  test('listening beyond loopback is a warning that names the fix (the preload, where it is installed) and how to accept it', () => {
    const f = one(run(inputs({ port: exposed, loopbackPreload: '/opt/mhm/preload/loopback.cjs' })), 'hub.exposure');
    expect(f.status).toBe('warning');
    expect(f.message).toContain('the hub listens on :: (every interface) with no authentication');
    expect(f.message).toContain('NODE_OPTIONS="--require /opt/mhm/preload/loopback.cjs" mcp-hub --port 37373');
    expect(f.message).toContain('validate.accept_exposure: "<reason>"');
  });

  test('an exposure accepted in the config (validate.accept_exposure) is OK, with the reason as a note', () => {
    const accepting = { ...cfg, validate: { ...cfg.validate, accept_exposure: 'port 37373 firewalled to the VPN (OPS-12)' } };
    const f = one(evaluateValidate(inputs({ port: exposed }), accepting), 'hub.exposure');
    expect(f).toMatchObject({ status: 'ok', value: 'accepted', message: 'the hub listens on :: (every interface), accepted (validate.accept_exposure): port 37373 firewalled to the VPN (OPS-12)' });
    // Accepting says nothing about a hub that is not exposed.
    expect(one(evaluateValidate(inputs(), accepting), 'hub.exposure')).toMatchObject({ status: 'ok', message: 'listening on loopback only' });
  });

  test('nothing listening gives no exposure finding at all', () => {
    const fs = run(inputs({ port: { listening: false, pids: [], addresses: [], exposedBeyondLoopback: true } }));
    expect(all(fs, 'hub.exposure')).toEqual([]);
  });

  test('no port facts give no port or exposure finding', () => {
    const fs = run(inputs({ port: undefined }));
    expect(all(fs, 'hub.port')).toEqual([]);
    expect(all(fs, 'hub.exposure')).toEqual([]);
  });
});

describe('config files against the live servers', () => {
  test('unknown config files are config.files no_data and nothing else about config', () => {
    const fs = run(inputs({ configs: undefined }));
    expect(one(fs, 'config.files').status).toBe('no_data');
    expect(fs.filter((f) => f.id.startsWith('config.') && f.id !== 'config.files')).toEqual([]);
  });

  test.each<{ name: string; configs: HubConfigFile[]; live?: ServerInfo[]; id: string; subject: string; status: Finding['status']; message?: RegExp }>([
    {
      name: 'a config that does not parse is config.parse critical',
      configs: [{ path: CONFIG_PATH, ok: false, error: 'not valid JSON5: invalid character', servers: [] }],
      live: [], id: 'config.parse', subject: 'config.json', status: 'critical', message: /not valid JSON5.*fail at its next start/,
    },
    {
      name: 'a missing config file is only a warning (the hub skips it)',
      configs: [{ path: CONFIG_PATH, ok: false, error: 'file not found (the hub skips missing files)', servers: [] }],
      live: [], id: 'config.parse', subject: 'config.json', status: 'warning', message: /file not found/,
    },
    {
      name: 'a valid config is config.parse ok with its server count',
      configs: [configFile([configured('everything'), configured('filesystem')])],
      id: 'config.parse', subject: 'config.json', status: 'ok', message: /2 servers/,
    },
    {
      name: 'a server with problems is config.server critical with the server as subject',
      configs: [configFile([configured('everything'), configured('filesystem', { transport: 'invalid', problems: ['cannot mix stdio and sse fields'] })])],
      id: 'config.server', subject: 'filesystem', status: 'critical', message: /cannot mix stdio and sse fields.*refuses the whole config/,
    },
    {
      name: 'a configured server the hub has not loaded is config.missing warning',
      configs: [configFile([configured('everything'), configured('filesystem'), configured('new-one')])],
      id: 'config.missing', subject: 'new-one', status: 'warning', message: /not loaded by the hub/,
    },
    {
      name: 'a disabled configured server that is not loaded is config.missing ok',
      configs: [configFile([configured('everything'), configured('filesystem'), configured('off', { disabled: true })])],
      id: 'config.missing', subject: 'off', status: 'ok', message: /disabled in/,
    },
    {
      name: 'a live server in no config file is config.extra warning',
      configs: [configFile([configured('everything')])],
      id: 'config.extra', subject: 'filesystem', status: 'warning', message: /in none of its config files/,
    },
    {
      name: 'a server configured in a second file counts as configured',
      configs: [configFile([configured('everything')]), configFile([configured('filesystem')], '/work/project/.mcphub.json')],
      id: 'config.parse', subject: '.mcphub.json', status: 'ok',
    },
  ])('$name', ({ configs, live, id, subject, status, message }) => {
    const snap = live ? snapshot(live) : snapshot([server('everything'), server('filesystem')]);
    const f = one(run(inputs({ snapshot: snap, configs })), id, subject);
    expect(f.status).toBe(status);
    if (message) expect(f.message).toMatch(message);
  });

  test('servers in a second config file are neither missing nor extra', () => {
    const fs = run(inputs({ configs: [configFile([configured('everything')]), configFile([configured('filesystem')], '/work/project/.mcphub.json')] }));
    expect(all(fs, 'config.missing')).toEqual([]);
    expect(all(fs, 'config.extra')).toEqual([]);
  });

  test('a server named "__proto__" is matched like any other name', () => {
    const fs = run(inputs({
      snapshot: snapshot([server('__proto__'), server('b')]),
      configs: [configFile([configured('__proto__'), configured('b')])],
    }));
    expect(all(fs, 'config.missing')).toEqual([]);
    expect(all(fs, 'config.extra')).toEqual([]);
    expect(notOk(fs)).toEqual([]);
  });

  test('a configured "__proto__" that is not live is config.missing for "__proto__"', () => {
    const fs = run(inputs({
      snapshot: snapshot([server('b')]),
      configs: [configFile([configured('__proto__'), configured('b')])],
    }));
    expect(one(fs, 'config.missing', '__proto__').status).toBe('warning');
  });

  test('a live "__proto__" that is not configured is config.extra for "__proto__"', () => {
    const fs = run(inputs({
      snapshot: snapshot([server('__proto__'), server('b')]),
      configs: [configFile([configured('b')])],
    }));
    expect(one(fs, 'config.extra', '__proto__').status).toBe('warning');
  });

  test('no config.extra is raised when the hub did not answer', () => {
    const fs = run(inputs({ snapshot: unreachable(), pid: undefined, configs: [configFile([])] }));
    expect(all(fs, 'config.extra')).toEqual([]);
  });
});

describe('disk free space', () => {
  const disk = (over: Partial<DiskFacts>): DiskFacts => ({ label: 'state', path: '/home/u/.local/state/mcp-hub', availBytes: 50_000_000_000, ...over });

  test.each<{ name: string; d: DiskFacts; status: Finding['status']; value?: number; threshold?: number }>([
    { name: '25% free is ok', d: disk({ availRatio: 0.25 }), status: 'ok', value: 25, threshold: 20 },
    { name: '15% free is a warning', d: disk({ availRatio: 0.15 }), status: 'warning', value: 15, threshold: 20 },
    { name: '5% free is critical', d: disk({ availRatio: 0.05 }), status: 'critical', value: 5, threshold: 10 },
    { name: 'exactly 20% free is ok (warning is below 20)', d: disk({ availRatio: 0.2 }), status: 'ok', value: 20 },
    { name: 'exactly 10% free is a warning, not critical', d: disk({ availRatio: 0.1 }), status: 'warning', value: 10 },
    { name: 'a statfs error is no_data', d: disk({ error: 'EACCES' }), status: 'no_data' },
    { name: 'an unknown ratio is no_data', d: disk({ availRatio: undefined }), status: 'no_data' },
  ])('$name', ({ d, status, value, threshold }) => {
    const f = one(run(inputs({ disks: [d] })), 'disk.free', 'state');
    expect(f.status).toBe(status);
    if (value !== undefined) expect(f.value).toBe(value);
    if (threshold !== undefined) expect(f.threshold).toBe(threshold);
  });

  test.each([
    { ratio: 0.25, status: 'warning' },
    { ratio: 0.35, status: 'ok' },
    { ratio: 0.12, status: 'critical' },
  ])('with disk_free_percent warning 30 / critical 15, $ratio free is $status', ({ ratio, status }) => {
    const config = { ...cfg, validate: { ...cfg.validate, disk_free_percent: { warning: 30, critical: 15 } } };
    const f = one(run(inputs({ disks: [disk({ availRatio: ratio })] }), config), 'disk.free');
    expect(f.status).toBe(status);
  });

  test('each disk gets its own finding, and a network filesystem is named', () => {
    const fs = run(inputs({ disks: [disk({ availRatio: 0.5 }), disk({ label: 'logs', path: '/mnt/nfs/logs', availRatio: 0.5, networkFs: true })] }));
    expect(all(fs, 'disk.free')).toHaveLength(2);
    expect(one(fs, 'disk.free', 'logs').message).toContain('network filesystem');
  });
});

describe('log dir and stale registry entries', () => {
  const limit = cfg.validate.log_dir_warning;

  test.each([
    { name: 'a log dir over logDirWarningBytes is a warning', bytes: limit + 1, status: 'warning' },
    { name: 'a log dir at exactly logDirWarningBytes is ok', bytes: limit, status: 'ok' },
    { name: 'a small log dir is ok', bytes: 4_096, status: 'ok' },
  ])('$name', ({ bytes, status }) => {
    const f = one(run(inputs({ logDir: { path: '/home/u/.local/state/mcp-hub/logs', bytes } })), 'logs.size');
    expect(f).toMatchObject({ status, value: bytes, threshold: limit });
    if (status === 'warning') expect(f.message).toMatch(/never rotated/);
  });

  test('the warning follows a configured logDirWarningBytes', () => {
    const config = { ...cfg, validate: { ...cfg.validate, log_dir_warning: 1_000 } };
    const f = one(run(inputs({ logDir: { path: '/logs', bytes: 4_096 } }), config), 'logs.size');
    expect(f).toMatchObject({ status: 'warning', threshold: 1_000 });
  });

  test('an unreadable log dir is no_data', () => {
    const f = one(run(inputs({ logDir: { path: '/logs', error: 'EACCES' } })), 'logs.size');
    expect(f.status).toBe('no_data');
    expect(f.message).toContain('EACCES');
  });

  test('each stale entry is one warning with subject = port and value = pid, never a critical', () => {
    const file = '/home/u/.local/state/mcp-hub/workspaces.json';
    const fs = run(inputs({ staleEntries: [{ port: 37373, pid: 111, file }, { port: 40000, pid: 222, file }] }));
    const stale = all(fs, 'workspaces.stale');
    expect(stale.map((f) => [f.status, f.subject, f.value])).toEqual([['warning', '37373', 111], ['warning', '40000', 222]]);
    expect(fs.filter((f) => f.status === 'critical')).toEqual([]);
  });
});

describe('the fork\'s LLM cache', () => {
  const path = '/home/u/.local/state/mcp-hub/llm-cache.json';
  test.each<{ name: string; cache: NonNullable<ValidateInputs['llmCache']>; status: Finding['status']; message: RegExp }>([
    { name: 'an absent cache is ok', cache: { path, present: false }, status: 'ok', message: /absent/ },
    { name: 'an unparseable cache is a warning', cache: { path, present: true, parseError: 'Unexpected end of JSON input' }, status: 'warning', message: /not parseable \(Unexpected end/ },
    { name: 'a present cache is ok with its size', cache: { path, present: true, sizeBytes: 1_536, ageMs: 45 * 60_000 }, status: 'ok', message: /1\.5 KiB, written 45 min ago/ },
  ])('$name', ({ cache, status, message }) => {
    const f = one(run(inputs({ llmCache: cache })), 'fork.llm_cache');
    expect(f.status).toBe(status);
    expect(f.message).toMatch(message);
  });

  test('no llmCache facts (upstream hub) gives no fork.llm_cache finding', () => {
    expect(all(run(inputs()), 'fork.llm_cache')).toEqual([]);
  });
});

describe('what validate takes from check', () => {
  test('LLM findings are not part of validate, though check would raise them', () => {
    const failing: LlmMetrics = { sources: ['/api/filtering/stats'], requestsTotal: 100, requestsSuccess: 50, p95LatencyMs: 9_000 };
    const snap = snapshot([server('everything'), server('filesystem')], { metrics: failing });
    const fromCheck = evaluateHub(snap, undefined, cfg);
    expect(fromCheck.some((f) => f.id.startsWith('llm.') && f.status === 'critical')).toBe(true);
    const fs = run(inputs({ snapshot: snap }));
    expect(fs.filter((f) => f.id.startsWith('llm.'))).toEqual([]);
  });

  test('hub.process appears exactly once when the hub is unreachable and its pid is dead', () => {
    const snap = unreachable({ pid: HUB_PID, alive: false });
    // check alone reports the dead pid too; validate must not repeat it.
    expect(all(evaluateHub(snap, undefined, cfg), 'hub.process')).toHaveLength(1);
    const fs = run(inputs({ snapshot: snap, pid: { pid: HUB_PID, via: 'workspaces.json', alive: false } }));
    expect(one(fs, 'hub.process').status).toBe('critical');
    expect(one(fs, 'hub.reachable').status).toBe('critical');
  });

  test('hub.process appears exactly once when the hub is unreachable and local facts are unavailable', () => {
    const fs = run(inputs({ snapshot: unreachable({ pid: HUB_PID, alive: false }), localFactsUnavailable: 'remote hub', pid: undefined, port: undefined }));
    expect(one(fs, 'hub.process').status).toBe('no_data');
  });

  test('a connected server with uptime 0 that started long ago is reported dead', () => {
    const snap = snapshot([server('everything', { uptimeS: 0, lastStartedMs: NOW - 60_000 }), server('filesystem')]);
    const f = one(run(inputs({ snapshot: snap })), 'server.status', 'everything');
    expect(f).toMatchObject({ status: 'critical', value: 'dead' });
  });

  test('an earlier snapshot confirms a server whose uptime stayed 0', () => {
    const dying = (at: number) => snapshot([server('everything', { uptimeS: 0, lastStartedMs: NOW - 3_000 }), server('filesystem')], { at });
    const earlier = dying(NOW - 1_500);
    if (earlier.health.ok) earlier.health.value.timestampMs = NOW - 1_500;
    const withoutEarlier = one(run(inputs({ snapshot: dying(NOW) })), 'server.status', 'everything');
    expect(withoutEarlier.value).toBe('unconfirmed');
    const confirmed = one(run(inputs({ snapshot: dying(NOW) }), cfg, earlier), 'server.status', 'everything');
    expect(confirmed).toMatchObject({ status: 'critical', value: 'dead' });
  });
});

describe('regressions found in review', () => {
  const base = (over: Partial<ValidateInputs>): ValidateInputs => ({ snapshot: snapshot([server('a')]), pid: alivePid, disks: [], staleEntries: [], ...over });

  test('an unreachable hub gives no "configured but not loaded" warnings: it cannot say what it loaded', () => {
    const f = evaluateValidate(base({ snapshot: unreachable(), configs: [configFile([configured('a'), configured('b')])] }), cfg);
    expect(f.filter((x) => x.id === 'config.missing' || x.id === 'config.extra')).toEqual([]);
  });

  test('a file with a refused server is not "valid": config.parse is critical too', () => {
    const file = configFile([configured('a'), configured('bad', { problems: ['cannot mix stdio and sse fields'] })]);
    const f = evaluateValidate(base({ configs: [file] }), cfg);
    expect(f.find((x) => x.id === 'config.parse')).toMatchObject({ status: 'critical' });
    expect(f.find((x) => x.id === 'config.parse')!.message).toContain('1 of 2 servers would be refused');
  });

  test('an https hub without a port is named by port 443, not 80', () => {
    const snap = snapshot([server('a')]);
    snap.target = { url: 'https://hub.example', origin: 'flag' };
    const f = evaluateValidate(base({ snapshot: snap, port: { listening: false, pids: [], addresses: [], exposedBeyondLoopback: false } }), cfg);
    expect(f.find((x) => x.id === 'hub.port')!.message).toBe('nothing listens on port 443');
  });
});
