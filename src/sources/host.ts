/**
 * Facts about the machine's storage: free space where the state dir lives, whether that is a network
 * filesystem (docs/faults.md B10: SQLite locking is unsafe on NFS/CIFS), and how much a directory holds.
 * Failures come back as `{ error }` values, never as exceptions.
 */
import { existsSync, lstatSync, opendirSync, statSync, statfsSync, type Dir } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** How a filesystem type is classified: definitely over the network, or "maybe" (FUSE can be either). */
export type NetworkFsKind = 'network' | 'maybe';

/**
 * Linux statfs `f_type` magic numbers of network filesystems (linux/magic.h and the fs sources). FUSE is
 * "maybe": sshfs and s3fs are remote, but fuse-overlayfs (rootless containers) is local.
 */
export const NETWORK_FS_MAGIC: ReadonlyMap<number, { name: string; kind: NetworkFsKind }> = new Map([
  [0x6969, { name: 'nfs', kind: 'network' }],
  [0x517b, { name: 'smb', kind: 'network' }],
  [0xff534d42, { name: 'cifs', kind: 'network' }],
  [0xfe534d42, { name: 'smb2', kind: 'network' }],
  [0x01021997, { name: '9p', kind: 'network' }],
  [0x65735546, { name: 'fuse', kind: 'maybe' }],
]);

/** Space on the filesystem holding a path. */
export interface DiskUsage {
  path: string;
  /** The nearest existing ancestor actually measured (the state dir may not exist yet). */
  checkedPath: string;
  totalBytes: number;
  freeBytes: number;
  /** Free space available to unprivileged users (excludes root's reserve); the number that matters. */
  availBytes: number;
  /** availBytes / totalBytes; 1 for filesystems that report no size (procfs and the like). */
  availRatio: number;
  /** statfs f_type, unsigned. Only meaningful on Linux: other systems number their types differently. */
  fsType: number;
  /** Definitely a network filesystem (NFS, SMB/CIFS, 9P). */
  networkFs: boolean;
  /** FUSE: possibly remote (sshfs) or local (fuse-overlayfs); callers should warn, not refuse. */
  maybeNetworkFs: boolean;
  /** Name from NETWORK_FS_MAGIC when the type is in it. */
  fsName?: string;
}

/** Classifies a statfs type number (Linux numbering); undefined for local or unknown types. */
export function classifyFsType(fsType: number): { name: string; kind: NetworkFsKind } | undefined {
  return NETWORK_FS_MAGIC.get(fsType >>> 0); // >>> 0: some platforms hand back f_type as a signed 32-bit value
}

/** Nearest existing ancestor of a path (the path itself when it exists). */
function nearestExisting(path: string): string {
  let p = resolve(path);
  while (!existsSync(p)) {
    const up = dirname(p);
    if (up === p) break; // reached the root
    p = up;
  }
  return p;
}

/** Free space and filesystem type for `path`, measured on its nearest existing ancestor. */
export function diskUsage(path: string, deps: { platform?: NodeJS.Platform } = {}): DiskUsage | { error: string } {
  const checkedPath = nearestExisting(path);
  let s: ReturnType<typeof statfsSync>;
  try {
    s = statfsSync(checkedPath);
  } catch (err) {
    return { error: `statfs ${checkedPath}: ${(err as Error).message}` };
  }
  const fsType = s.type >>> 0;
  // Magic numbers are Linux's; on macOS f_type is an index into its own table, so it classifies nothing.
  const known = (deps.platform ?? process.platform) === 'linux' ? classifyFsType(fsType) : undefined;
  const totalBytes = s.blocks * s.bsize;
  const availBytes = s.bavail * s.bsize;
  return {
    path,
    checkedPath,
    totalBytes,
    freeBytes: s.bfree * s.bsize,
    availBytes,
    availRatio: totalBytes > 0 ? availBytes / totalBytes : 1,
    fsType,
    networkFs: known?.kind === 'network',
    maybeNetworkFs: known?.kind === 'maybe',
    ...(known ? { fsName: known.name } : {}),
  };
}

/** Size of a directory tree. */
export interface DirectorySize {
  /** Sum of regular files' sizes (apparent size, as `du --apparent-size`). */
  bytes: number;
  files: number;
  /** True when maxEntries was reached before the walk finished: bytes and files are then lower bounds. */
  truncated: boolean;
  /** Subdirectories that could not be read (permissions, removed during the walk). */
  unreadableDirs: number;
}

/**
 * Walks `path` iteratively (no recursion, so depth cannot overflow the stack) with lstat, never following
 * symlinks below `path`, so a link loop or a link to `/` costs one entry. Stops after `maxEntries` entries.
 */
export function directorySize(path: string, opts: { maxEntries?: number } = {}): DirectorySize | { error: string } {
  const maxEntries = opts.maxEntries ?? 100_000;
  try {
    // The root itself is followed (a state dir is often a symlink to a data disk); nothing below it is.
    const st = statSync(path);
    if (st.isFile()) return { bytes: st.size, files: 1, truncated: false, unreadableDirs: 0 };
    if (!st.isDirectory()) return { error: `${path}: not a directory` };
  } catch (err) {
    return { error: `lstat ${path}: ${(err as Error).message}` };
  }
  const result: DirectorySize = { bytes: 0, files: 0, truncated: false, unreadableDirs: 0 };
  let entries = 0;
  const stack = [path];
  while (stack.length > 0) {
    const dir = stack.pop() as string;
    let handle: Dir;
    try {
      handle = opendirSync(dir); // streamed, so one directory with millions of entries still stops at maxEntries
    } catch {
      result.unreadableDirs += 1;
      continue;
    }
    try {
      for (let d = handle.readSync(); d !== null; d = handle.readSync()) {
        if (++entries > maxEntries) {
          result.truncated = true;
          return result;
        }
        const full = join(dir, d.name);
        if (d.isDirectory()) stack.push(full);
        else if (d.isFile()) {
          try {
            result.bytes += lstatSync(full).size;
            result.files += 1;
          } catch {
            /* removed since readdir */
          }
        }
        // Symlinks, sockets, fifos and devices: counted as entries, never followed or sized.
      }
    } catch {
      result.unreadableDirs += 1; // directory removed while being read
    } finally {
      handle.closeSync();
    }
  }
  return result;
}
