/**
 * Who listens on a TCP port, from Linux /proc/net/tcp{,6} and /proc/<pid>/fd. Used to tie a hub's port to
 * its pid (a workspaces.json pid may be dead or reused: docs/faults.md A24) and to tell whether the hub is
 * exposed beyond loopback (mcp-hub binds all interfaces `:::PORT`, docs/hub-api.md §1). /proc/net describes OUR
 * network namespace only: a hub in another container is invisible here, which callers must read as
 * "cannot check", never as "not listening". Off Linux every function says `supported: false`.
 */
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { endianness } from 'node:os';
import { hasProcFs, isPidAlive, listPids } from './proc.js';

/** One row of /proc/net/tcp or tcp6. */
export interface ProcNetTcpRow {
  address: string;
  port: number;
  /** Kernel TCP state; '0A' is LISTEN. */
  state: string;
  inode: number;
}

/** A listening socket on the port asked about. */
export interface ListeningSocket {
  address: string;
  family: 4 | 6;
  inode: number;
}

/** Result of findListeners. */
export interface Listeners {
  supported: boolean;
  reason?: string;
  listening: boolean;
  sockets: ListeningSocket[];
}

/** Result of findPortOwner. */
export interface PortOwner {
  supported: boolean;
  reason?: string;
  listening: boolean;
  /** Owning pids; empty when the sockets' owners are not readable (another user's process, not root). */
  pids: number[];
  addresses: string[];
  /** Bound to 0.0.0.0, ::, or any address outside 127.0.0.0/8 and ::1. */
  exposedBeyondLoopback: boolean;
}

/** A pid the caller believes is the hub, and where it came from. */
export interface HubPidCandidate {
  pid: number;
  via: 'health' | 'workspaces';
}

/** Result of resolveHubPid: the pid to sample, how it was found, and why others were rejected. */
export interface ResolvedHubPid {
  pid?: number;
  via: 'health' | 'workspaces' | 'port-owner' | 'none';
  alive: boolean;
  /** True when /proc shows this pid owning the listening socket; undefined when that could not be checked. */
  ownsPort?: boolean;
  note?: string;
}

const LISTEN = '0A';
/** The kernel prints each 32-bit word of an address with %08X in host byte order. */
const HOST_LE = endianness() === 'LE';

/**
 * Decodes a /proc/net address: 8 hex digits (IPv4) or 32 (IPv6, four host-order words) into text, e.g.
 * `0100007F` → `127.0.0.1`, `0000000000000000FFFF00000100007F` → `::ffff:127.0.0.1`.
 */
export function decodeHexAddress(hex: string, littleEndian = HOST_LE): string {
  if (!/^[0-9A-Fa-f]+$/.test(hex) || (hex.length !== 8 && hex.length !== 32)) return hex;
  const bytes: number[] = [];
  for (let w = 0; w < hex.length; w += 8) {
    const word = [0, 2, 4, 6].map((i) => parseInt(hex.slice(w + i, w + i + 2), 16));
    bytes.push(...(littleEndian ? word.reverse() : word));
  }
  if (bytes.length === 4) return bytes.join('.');
  const groups = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => ((bytes[2 * i] ?? 0) << 8) | (bytes[2 * i + 1] ?? 0));
  // v4-mapped (a dual-stack socket accepting IPv4) is written the way `ss` and Node print it.
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) return `::ffff:${bytes.slice(12).join('.')}`;
  // RFC 5952: compress the first longest run of two or more zero groups.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j += 1;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hexes = groups.map((g) => g.toString(16));
  if (best < 0) return hexes.join(':');
  return `${hexes.slice(0, best).join(':')}::${hexes.slice(best + bestLen).join(':')}`;
}

/** Whether a textual address is loopback (127.0.0.0/8, ::1, or v4-mapped 127.x). */
export function isLoopbackAddress(address: string): boolean {
  return address === '::1' || /^(::ffff:)?127\./.test(address);
}

/** Parses the text of /proc/net/tcp or tcp6 (header line and malformed rows skipped). */
export function parseProcNetTcp(text: string, littleEndian = HOST_LE): ProcNetTcpRow[] {
  const rows: ProcNetTcpRow[] = [];
  for (const line of text.split('\n')) {
    // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode …
    const f = line.trim().split(/\s+/);
    const local = f[1]?.split(':');
    if (!f[0]?.endsWith(':') || local?.length !== 2 || f.length < 10) continue;
    const port = parseInt(local[1] ?? '', 16); // the port is printed after ntohs: plain big-endian hex
    const inode = Number(f[9]);
    if (!Number.isInteger(port) || !Number.isInteger(inode)) continue;
    rows.push({ address: decodeHexAddress(local[0] ?? '', littleEndian), port, state: (f[3] ?? '').toUpperCase(), inode });
  }
  return rows;
}

/** Listening TCP sockets on `port` (IPv4 and IPv6) in this network namespace. */
export function findListeners(port: number, opts: { procRoot?: string } = {}): Listeners {
  const procRoot = opts.procRoot ?? '/proc';
  if (!hasProcFs(procRoot)) {
    return { supported: false, reason: `port owners are read from Linux /proc, not available on ${process.platform}`, listening: false, sockets: [] };
  }
  const sockets: ListeningSocket[] = [];
  for (const [file, family] of [['tcp', 4], ['tcp6', 6]] as const) {
    let text: string;
    try {
      text = readFileSync(`${procRoot}/net/${file}`, 'utf8');
    } catch {
      continue; // tcp6 is absent when IPv6 is disabled
    }
    for (const row of parseProcNetTcp(text)) {
      if (row.state === LISTEN && row.port === port) sockets.push({ address: row.address, family, inode: row.inode });
    }
  }
  return { supported: true, listening: sockets.length > 0, sockets };
}

/**
 * Maps socket inodes to the pid holding them, by reading the `socket:[inode]` links in /proc/<pid>/fd.
 * Pids in `tryFirst` are read first and the scan stops once every inode is found, so confirming a
 * candidate costs one directory read. Unreadable pids (other users, exited) are skipped.
 */
export function socketOwners(inodes: number[], opts: { tryFirst?: number[]; procRoot?: string } = {}): Map<number, number> {
  const procRoot = opts.procRoot ?? '/proc';
  const owners = new Map<number, number>();
  const wanted = new Set(inodes.filter((i) => i > 0)); // inode 0: a socket with no file (e.g. TIME_WAIT)
  if (wanted.size === 0) return owners;
  const order = [...new Set([...(opts.tryFirst ?? []), ...listPids(procRoot)])];
  for (const pid of order) {
    let fds: string[];
    try {
      fds = readdirSync(`${procRoot}/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let link: string;
      try {
        link = readlinkSync(`${procRoot}/${pid}/fd/${fd}`);
      } catch {
        continue; // fd closed since readdir
      }
      const m = /^socket:\[(\d+)\]$/.exec(link);
      const inode = m ? Number(m[1]) : 0;
      if (wanted.has(inode)) {
        owners.set(inode, pid);
        wanted.delete(inode);
        if (wanted.size === 0) return owners;
      }
    }
  }
  return owners;
}

/** Who listens on `port`: the owning pids, bound addresses and whether anything beyond loopback can reach it. */
export function findPortOwner(port: number, opts: { tryFirst?: number[]; procRoot?: string } = {}): PortOwner {
  const l = findListeners(port, opts);
  const owners = socketOwners(l.sockets.map((s) => s.inode), opts);
  const addresses = [...new Set(l.sockets.map((s) => s.address))];
  return {
    supported: l.supported,
    ...(l.reason ? { reason: l.reason } : {}),
    listening: l.listening,
    pids: [...new Set(owners.values())].sort((a, b) => a - b),
    addresses,
    exposedBeyondLoopback: addresses.some((a) => !isLoopbackAddress(a)),
  };
}

/**
 * Picks the pid to sample for the hub on `port`. A candidate is accepted only when it is alive AND owns the
 * listening socket (or ownership cannot be checked here); a dead candidate (stale workspaces.json after
 * SIGKILL, docs/hub-api.md §5) or a live one that does not own the port (pid reuse, docs/faults.md A24) is named in
 * `note`, and the port's actual owner is used instead.
 */
export function resolveHubPid(port: number, candidates: HubPidCandidate[], opts: { procRoot?: string } = {}): ResolvedHubPid {
  const notes: string[] = [];
  const alive = candidates.filter((c) => {
    if (isPidAlive(c.pid)) return true;
    notes.push(`${c.via} pid ${c.pid} is not running${c.via === 'workspaces' ? ' (stale workspaces.json entry)' : ''}`);
    return false;
  });
  const owner = findPortOwner(port, { ...opts, tryFirst: alive.map((c) => c.pid) });
  const done = (r: ResolvedHubPid): ResolvedHubPid => (notes.length > 0 ? { ...r, note: notes.join('; ') } : r);

  // Ownership cannot be checked: no procfs, or the socket exists but its owner's fds are not ours to read.
  const unknown = !owner.supported
    ? `port ownership not checked: ${owner.reason}`
    : owner.listening && owner.pids.length === 0
      ? `owner of port ${port} not readable (another user's process); pid not verified`
      : undefined;
  for (const c of alive) {
    if (owner.pids.includes(c.pid)) return done({ pid: c.pid, via: c.via, alive: true, ownsPort: true });
    if (unknown) {
      notes.push(unknown);
      return done({ pid: c.pid, via: c.via, alive: true });
    }
    if (!owner.listening && c.via === 'health') {
      // The pid came from an answer on this very port, so a listener exists that /proc/net cannot show us
      // (the hub runs in another network namespace): trust it, but say it is unverified.
      notes.push(`no listener on port ${port} visible from this network namespace; pid not verified`);
      return done({ pid: c.pid, via: c.via, alive: true });
    }
    notes.push(
      owner.listening
        ? `${c.via} pid ${c.pid} is alive but does not own port ${port} (owner: ${owner.pids.join(', ')}); pid reused?`
        : `${c.via} pid ${c.pid} is alive but nothing listens on port ${port}; pid reused?`,
    );
  }
  const ownerPid = owner.pids[0];
  if (ownerPid !== undefined) {
    if (owner.pids.length > 1) notes.push(`port ${port} has ${owner.pids.length} owners (${owner.pids.join(', ')}); using ${ownerPid}`);
    return done({ pid: ownerPid, via: 'port-owner', alive: isPidAlive(ownerPid), ownsPort: true });
  }
  if (unknown && alive.length === 0) notes.push(unknown);
  else if (owner.supported && !owner.listening && alive.length === 0) notes.push(`nothing listens on port ${port}`);
  return done({ via: 'none', alive: false });
}
