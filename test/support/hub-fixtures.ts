/**
 * Builders for the bodies the fake hub serves, all derived from the captures in test/fixtures/ (real
 * mcp-hub 4.2.1 and the fork). Times are set relative to `now`, because `check` compares the hub's
 * `timestamp` with each server's `lastStarted` (a connected server with uptime 0 that started long ago is
 * dead, src/evaluate/servers.ts): a capture's 2026-11-24 times would otherwise mean whatever today makes
 * of them.
 *
 * `workspaces` is always removed from served health bodies: it carries the pid of the capture machine's
 * hub, which on this machine may or may not be a live process, and would make `hub.process`/`hub.memory`
 * flaky. Without it `hub.memory` is a deterministic `no_data`.
 */
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const FIXTURES = new URL('../fixtures/', import.meta.url);

/** The raw text of a fixture, e.g. `hub/health-ready.json`. */
export function fixtureText(relPath: string): string {
  return readFileSync(new URL(relPath, FIXTURES), 'utf8');
}

/** A JSON fixture, parsed afresh (callers may mutate it). */
export function fixtureJson<T extends object = Record<string, unknown>>(relPath: string): T {
  return JSON.parse(fixtureText(relPath)) as T;
}

type Json = Record<string, unknown>;
type ServerJson = Json & { name: string; status: string; uptime: number; lastStarted: string | null };

export interface HealthOptions {
  /** Epoch ms the hub "answers" at; default Date.now(). */
  now?: number;
  /** Replaces `state` (the capture says `ready`). */
  state?: string;
  /**
   * Drops the servers that are not connected. health-ready.json has two disconnected servers (`broken`,
   * `missing-binary`), which `check` rightly reports as a WARNING (1–2 servers down); a test about
   * something else uses this so that thing alone decides the exit code.
   */
  onlyUp?: boolean;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The four-server ready hub of hub/health-ready.json, with fresh times and no `workspaces`. */
export function readyHealth(opts: HealthOptions = {}): Json & { servers: ServerJson[] } {
  const now = opts.now ?? Date.now();
  const h = fixtureJson<Json & { servers: ServerJson[] }>('hub/health-ready.json');
  delete h.workspaces;
  h.timestamp = iso(now);
  if (opts.state !== undefined) h.state = opts.state;
  if (opts.onlyUp) h.servers = h.servers.filter((s) => s.status === 'connected');
  for (const s of h.servers) {
    // Uptime counts whole seconds from the end of the connect, which began a little before.
    if (s.lastStarted !== null) s.lastStarted = iso(now - s.uptime * 1000 - 300);
  }
  return h;
}

/**
 * A ready hub that lies: `server` (added when the capture has no such server) is `connected`, `error:
 * null`, with `uptime` as given and `lastStarted` at `lastStartedMs` (what the hub shows after its stdio
 * child died, docs/hub-api.md §6).
 */
export function lieHealth(server: string, uptime: number, lastStartedMs: number, now = Date.now()): Json {
  const h = readyHealth({ now });
  let s = h.servers.find((x) => x.name === server);
  if (!s) {
    s = { ...structuredClone(h.servers[0]!), name: server, displayName: server };
    h.servers.push(s);
  }
  Object.assign(s, { status: 'connected', error: null, uptime, lastStarted: iso(lastStartedMs) });
  return h;
}

/** Escape sequences and other hostile text (faults D1, D2, D3, D6). */
export const HOSTILE_NAMES = {
  proto: '__proto__',
  ctor: 'constructor',
  title: '\x1b]0;pwned\x07',
  clear: '\x1b[2J',
  clipboard: '\x1b]52;c;aGVsbG8=\x07',
  c1: '\u009b31m',
  bidi: 'evil\u202Ename',
} as const;

export const HOSTILE_ERROR = '\x1b[31;1mboom\x1b[0m\x1b]0;pwned\x07 <img src=x onerror=alert(1)>';

/**
 * health-ready.json with its servers replaced by hostile ones: all connected and up except the bidi one,
 * disconnected with HOSTILE_ERROR. Serialised here because a `"__proto__"` *key* (faults D6) cannot be
 * written with an object literal: the text gets one at the top level and one inside a server.
 */
export function hostileHealthText(now = Date.now()): string {
  const h = readyHealth({ now, onlyUp: true });
  const template = h.servers[0]!;
  h.servers = Object.values(HOSTILE_NAMES).map((name, i) => {
    const up = name !== HOSTILE_NAMES.bidi;
    return {
      ...structuredClone(template),
      name,
      displayName: name,
      description: `${name} <img src=x onerror=alert(1)>`,
      status: up ? 'connected' : 'disconnected',
      error: up ? null : HOSTILE_ERROR,
      uptime: up ? 5 + i : 0,
      lastStarted: up ? iso(now - (5 + i) * 1000 - 300) : null,
    };
  });
  return JSON.stringify(h)
    .replace(/^\{/, '{"__proto__":{"polluted":"yes","status":"critical"},')
    .replace('"capabilities":', '"__proto__":{"polluted":"yes"},"capabilities":');
}

/**
 * health-ready.json whose servers[0].capabilities.tools[0].inputSchema is nested `depth` levels deep.
 * Built as text, iteratively: a recursive builder (or JSON.stringify of such an object) would itself
 * overflow the stack at the depths this is for.
 */
export function deepHealthText(depth: number, now = Date.now()): string {
  const marker = '"__DEEP_INPUT_SCHEMA__"';
  const h = readyHealth({ now });
  const tools = (h.servers[0]!.capabilities as { tools: Json[] }).tools;
  tools[0]!.inputSchema = JSON.parse(marker);
  const levels = Math.max(1, depth);
  const nested = `${'{"a":'.repeat(levels - 1)}{}${'}'.repeat(levels - 1)}`;
  return JSON.stringify(h).replace(marker, nested);
}

/** 200 JSON from something that is not an MCP hub (faults D16). */
export function impostorBody(): Json {
  return { status: 'ok', server_id: 'something-else' };
}

/** Express's HTML 404 page, naming the path as Express does. */
export function html404Page(path: string): string {
  return fixtureText('hub/unknown-api-route.html').replace('/api/nope', path.replace(/[<>&"]/g, ''));
}

/** 200 text that is not JSON (it starts like JSON, to fool a sniffing client). */
export const GARBAGE_TEXT = '{"status":"ok", this is not JSON at all <<<>>> \u0000\u0001 ]]]';

/** JSON-ish text of a huge body: `{"status":"ok","server_id":"mcp-hub","pad":"aaaa…"}`. */
export const HUGE_PREFIX = '{"status":"ok","server_id":"mcp-hub","pad":"';
export const HUGE_SUFFIX = '"}';

const bombs = new Map<number, Buffer>();

/**
 * A small gzip body that inflates to `bytes` bytes of HUGE_PREFIX + 'a'… + HUGE_SUFFIX. Made of
 * concatenated gzip members (RFC 1952 §2.2; Node's gunzip reads them all), so building it never holds the
 * inflated size in memory: one 1 MiB member is compressed once and repeated (~1 KB each).
 */
export function gzipBomb(bytes: number): Buffer {
  const cached = bombs.get(bytes);
  if (cached) return cached;
  const block = 1 << 20;
  const padding = Math.max(0, bytes - HUGE_PREFIX.length - HUGE_SUFFIX.length);
  const full = Math.floor(padding / block);
  const parts = [gzipSync(HUGE_PREFIX)];
  const member = gzipSync(Buffer.alloc(block, 0x61), { level: 9 });
  for (let i = 0; i < full; i++) parts.push(member);
  parts.push(gzipSync(Buffer.alloc(padding - full * block, 0x61)), gzipSync(HUGE_SUFFIX));
  const bomb = Buffer.concat(parts);
  bombs.set(bytes, bomb);
  return bomb;
}
