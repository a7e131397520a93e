import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { DEFAULT_HUB_URL, discoverHubs, HUBS_SEEN_FILE, normaliseHubUrl, readHubsSeen, readWorkspaceHubs } from './discovery.js';

const AFTER_SIGKILL = readFileSync(new URL('../../test/fixtures/hub/workspaces.after-sigkill.json', import.meta.url), 'utf8');
const LIVE = readFileSync(new URL('../../test/fixtures/hub/workspaces.json', import.meta.url), 'utf8');

let home: string;

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'mcp-hub-monitor-home-'));
});

afterEach(() => {
  rmSync(home, { recursive: true, force: true });
});

function writeAt(path: string[], text: string): string {
  const dir = join(home, ...path);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'workspaces.json');
  writeFileSync(file, text);
  return file;
}

const xdgWorkspaces = (text: string) => writeAt(['state', 'mcp-hub'], text);
const legacyWorkspaces = (text: string) => writeAt(['.mcp-hub'], text);
const defaultXdgWorkspaces = (text: string) => writeAt(['.local', 'state', 'mcp-hub'], text);

const noneAlive = () => false;
const allAlive = () => true;

describe('discoverHubs precedence', () => {
  test('--hub wins over everything else', () => {
    legacyWorkspaces(LIVE);
    const hubs = discoverHubs({
      flagHubs: ['http://127.0.0.1:9000/'], configHubs: ['http://127.0.0.1:8000'],
      env: { HOME: home, MCP_HUB_URL: 'http://127.0.0.1:7500' }, alive: allAlive,
    });
    expect(hubs).toEqual([{ url: 'http://127.0.0.1:9000', origin: 'flag' }]);
  });

  test('config hubs come next', () => {
    legacyWorkspaces(LIVE);
    const hubs = discoverHubs({
      flagHubs: [], configHubs: ['http://127.0.0.1:8000', 'http://127.0.0.1:8001/'],
      env: { HOME: home, MCP_HUB_URL: 'http://127.0.0.1:7500' }, alive: allAlive,
    });
    expect(hubs).toEqual([
      { url: 'http://127.0.0.1:8000', origin: 'config' },
      { url: 'http://127.0.0.1:8001', origin: 'config' },
    ]);
  });

  test('MCP_HUB_URL comes next, comma-separated', () => {
    legacyWorkspaces(LIVE);
    const hubs = discoverHubs({
      flagHubs: [], configHubs: [], env: { HOME: home, MCP_HUB_URL: ' http://127.0.0.1:7500 , http://127.0.0.1:7501/' }, alive: allAlive,
    });
    expect(hubs).toEqual([
      { url: 'http://127.0.0.1:7500', origin: 'env' },
      { url: 'http://127.0.0.1:7501', origin: 'env' },
    ]);
  });

  test('a blank MCP_HUB_URL is ignored', () => {
    const hubs = discoverHubs({ flagHubs: [], configHubs: [], env: { HOME: home, MCP_HUB_URL: '   ' }, alive: allAlive });
    expect(hubs).toEqual([{ url: DEFAULT_HUB_URL, origin: 'default' }]);
  });

  test('live hubs from workspaces.json come next', () => {
    legacyWorkspaces(LIVE);
    const hubs = discoverHubs({ flagHubs: [], configHubs: [], env: { HOME: home }, alive: (pid) => pid === 5653 });
    expect(hubs).toEqual([{ url: 'http://127.0.0.1:37373', origin: 'workspaces', pid: 5653, pidAlive: true }]);
  });

  test('with nothing anywhere the default is http://127.0.0.1:7000', () => {
    const hubs = discoverHubs({ flagHubs: [], configHubs: [], env: { HOME: home }, alive: allAlive });
    expect(hubs).toEqual([{ url: 'http://127.0.0.1:7000', origin: 'default' }]);
    expect(DEFAULT_HUB_URL).toBe('http://127.0.0.1:7000');
  });

  test('an invalid --hub throws a one-line message', () => {
    expect(() => discoverHubs({ flagHubs: ['ftp://x'], configHubs: [], env: { HOME: home } })).toThrow(/not an http\(s\) URL/);
  });
});

describe('workspaces.json discovery', () => {
  test('with XDG_STATE_HOME set, $XDG_STATE_HOME/mcp-hub/workspaces.json is read', () => {
    const file = xdgWorkspaces(LIVE);
    const env = { HOME: home, XDG_STATE_HOME: join(home, 'state') };
    expect(readWorkspaceHubs(env, allAlive)).toEqual([expect.objectContaining({ port: 37373, pid: 5653, file, alive: true })]);
  });

  test('an entry carries the hub\'s cwd, config files, state and start time for validate', () => {
    xdgWorkspaces(LIVE);
    const [hub] = readWorkspaceHubs({ HOME: home, XDG_STATE_HOME: join(home, 'state') }, allAlive);
    expect(hub).toMatchObject({ cwd: '/home/user/probe', configFiles: ['mcp-servers.json'], state: 'active', startTimeMs: Date.parse('2026-11-24T19:24:16.663Z') });
  });

  test('without XDG_STATE_HOME, ~/.local/state/mcp-hub/workspaces.json is read', () => {
    const file = defaultXdgWorkspaces(LIVE);
    expect(readWorkspaceHubs({ HOME: home }, allAlive)).toEqual([expect.objectContaining({ port: 37373, pid: 5653, file, alive: true })]);
  });

  test('the legacy ~/.mcp-hub/workspaces.json is read', () => {
    const file = legacyWorkspaces(LIVE);
    expect(readWorkspaceHubs({ HOME: home, XDG_STATE_HOME: join(home, 'state') }, allAlive)).toEqual([
      expect.objectContaining({ port: 37373, pid: 5653, file, alive: true }),
    ]);
  });

  test('both files are read and a port listed twice is kept once', () => {
    legacyWorkspaces(LIVE);
    xdgWorkspaces(JSON.stringify({ ...JSON.parse(LIVE), 37380: { pid: 77, port: 37380 } }));
    const hubs = readWorkspaceHubs({ HOME: home, XDG_STATE_HOME: join(home, 'state') }, allAlive);
    expect(hubs.map((h) => h.port)).toEqual([37373, 37380]);
  });

  test('entries with a dead pid are skipped when a live one exists', () => {
    legacyWorkspaces(JSON.stringify({ ...JSON.parse(AFTER_SIGKILL), ...JSON.parse(LIVE) }));
    const hubs = discoverHubs({ flagHubs: [], configHubs: [], env: { HOME: home }, alive: (pid) => pid === 5653 });
    expect(hubs).toEqual([{ url: 'http://127.0.0.1:37373', origin: 'workspaces', pid: 5653, pidAlive: true }]);
  });

  test('only dead entries (a SIGKILLed hub) are returned rather than the default', () => {
    legacyWorkspaces(AFTER_SIGKILL);
    const hubs = discoverHubs({ flagHubs: [], configHubs: [], env: { HOME: home }, alive: noneAlive });
    expect(hubs).toEqual([{ url: 'http://127.0.0.1:37380', origin: 'workspaces', pid: 9211, pidAlive: false }]);
  });

  test('a running hub that lost its workspaces.json entry is found by its process, next to the dead entry', () => {
    // A failed second hub on the same port deletes the live hub's entry (docs/hub-api.md §5).
    legacyWorkspaces(AFTER_SIGKILL);
    const hubs = discoverHubs({ flagHubs: [], configHubs: [], env: { HOME: home }, alive: noneAlive, processes: () => [{ pid: 4242, port: 37390 }] });
    expect(hubs).toEqual([
      { url: 'http://127.0.0.1:37390', origin: 'process', pid: 4242, pidAlive: true },
      { url: 'http://127.0.0.1:37380', origin: 'workspaces', pid: 9211, pidAlive: false },
    ]);
  });

  test('a live workspaces.json entry wins over the process scan', () => {
    legacyWorkspaces(LIVE);
    const hubs = discoverHubs({ flagHubs: [], configHubs: [], env: { HOME: home }, alive: allAlive, processes: () => [{ pid: 1, port: 1 }] });
    expect(hubs.map((h) => h.origin)).toEqual(['workspaces']);
  });

  test('the alive function receives the pid from the file', () => {
    legacyWorkspaces(AFTER_SIGKILL);
    const asked: number[] = [];
    readWorkspaceHubs({ HOME: home }, (pid) => { asked.push(pid); return false; });
    expect(asked).toEqual([9211]);
  });

  test('the port comes from the key when an entry has none', () => {
    legacyWorkspaces(JSON.stringify({ 41000: { pid: 12 } }));
    expect(readWorkspaceHubs({ HOME: home }, allAlive)).toMatchObject([{ port: 41000, pid: 12 }]);
  });

  test.each([
    ['malformed JSON', '{"37373": {'],
    ['a list', '[{"port": 37373, "pid": 1}]'],
    ['entries that are not objects', '{"37373": 5}'],
    ['a port out of range', '{"x": {"port": 70000, "pid": 1}}'],
    ['a non-numeric port', '{"abc": {"pid": 1}}'],
    ['an empty file', ''],
  ])('%s is skipped and discovery falls back to the default', (_what, text) => {
    legacyWorkspaces(text);
    expect(readWorkspaceHubs({ HOME: home }, allAlive)).toEqual([]);
    expect(discoverHubs({ flagHubs: [], configHubs: [], env: { HOME: home }, alive: allAlive })).toEqual([
      { url: DEFAULT_HUB_URL, origin: 'default' },
    ]);
  });

  test('a non-integer pid is never alive', () => {
    legacyWorkspaces(JSON.stringify({ 37373: { port: 37373, pid: 'abc' } }));
    expect(readWorkspaceHubs({ HOME: home }, allAlive)).toMatchObject([{ port: 37373, alive: false }]);
  });

  test('hubs are sorted by port', () => {
    legacyWorkspaces(JSON.stringify({ 9002: { pid: 1 }, 9000: { pid: 2 }, 9001: { pid: 3 } }));
    expect(readWorkspaceHubs({ HOME: home }, allAlive).map((h) => h.port)).toEqual([9000, 9001, 9002]);
  });
});

describe('hubs the daemon last saw (hubs-seen.json in the state dir)', () => {
  const seenAt = Date.UTC(2026, 10, 25, 9, 0, 0);
  const stateWith = (text: string) => {
    const dir = join(home, 'monitor');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, HUBS_SEEN_FILE), text);
    return dir;
  };
  const seen = JSON.stringify({ hubs: [{ url: 'http://127.0.0.1:37373/', lastSeenAt: seenAt, pid: 5653 }] });

  test('with workspaces.json empty (a hub that exited cleanly removes its entry), the remembered hub is reported, not 7000', () => {
    xdgWorkspaces('{}');
    const hubs = discoverHubs({ flagHubs: [], configHubs: [], env: { HOME: home, XDG_STATE_HOME: join(home, 'state') }, alive: noneAlive, processes: () => [], stateDir: stateWith(seen) });
    expect(hubs).toEqual([{ url: 'http://127.0.0.1:37373', origin: 'remembered', lastSeenAt: seenAt, pid: 5653, pidAlive: false }]);
  });

  test('anything workspaces.json or the process scan still names comes first', () => {
    legacyWorkspaces(AFTER_SIGKILL);
    const hubs = discoverHubs({ flagHubs: [], configHubs: [], env: { HOME: home }, alive: noneAlive, processes: () => [], stateDir: stateWith(seen) });
    expect(hubs.map((h) => h.origin)).toEqual(['workspaces']);
  });

  test('no file, or one not in our shape, leaves the default', () => {
    const env = { HOME: home };
    expect(discoverHubs({ flagHubs: [], configHubs: [], env, alive: noneAlive, processes: () => [], stateDir: join(home, 'none') })[0]!.origin).toBe('default');
    for (const text of ['nonsense', '{"hubs": {}}', '{"hubs": [{"url": "ftp://x", "lastSeenAt": 1}, {"url": "http://h:1"}]}']) {
      expect(readHubsSeen(stateWith(text))).toEqual([]);
    }
  });
});

describe('normaliseHubUrl', () => {
  test.each([
    ['http://127.0.0.1:7000/', 'http://127.0.0.1:7000'],
    ['http://127.0.0.1:7000', 'http://127.0.0.1:7000'],
    ['https://hub.example.com/mcp-hub//', 'https://hub.example.com/mcp-hub'],
    ['HTTP://LOCALHOST:7000', 'http://localhost:7000'],
    ['http://127.0.0.1:80/', 'http://127.0.0.1'],
  ])('%j becomes %j', (input, expected) => {
    expect(normaliseHubUrl(input)).toBe(expected);
  });

  test('ftp://x is rejected as not http(s), with an example', () => {
    expect(() => normaliseHubUrl('ftp://x')).toThrow('not an http(s) URL (got "ftp://x"). Write e.g. http://127.0.0.1:7000');
  });

  test('nonsense is rejected as not a URL, with an example', () => {
    expect(() => normaliseHubUrl('nonsense')).toThrow('not a URL (got "nonsense"). Write e.g. http://127.0.0.1:7000');
  });
});
