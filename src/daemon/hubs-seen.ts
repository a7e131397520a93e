/**
 * Keeps `hubs-seen.json` beside the store: the hubs the daemon found by discovery (workspaces.json, a running
 * mcp-hub, or this file itself) and when each last answered. `check` falls back to it when workspaces.json
 * no longer names any hub, so a hub that exited cleanly is reported by its own URL, not as nothing on port
 * 7000. check only reads the file; the daemon writes it, atomically, when a hub is first seen, when one
 * stops answering (so its last answer is on disk) and otherwise at most once a minute. Hubs named by --hub, config or MCP_HUB_URL are never written: they need no memory.
 */
import { join } from 'node:path';
import { HUBS_SEEN_FILE, readHubsSeen, type SeenHub } from '../sources/discovery.js';
import type { HubTarget } from '../model/hub.js';
import { writeFileAtomic } from '../store/files.js';
import type { Logger } from './collector.js';

const DISCOVERED = new Set<HubTarget['origin']>(['workspaces', 'process', 'remembered']);
const REWRITE_EVERY_MS = 60_000;

export class HubsSeenRecorder {
  private readonly seen = new Map<string, SeenHub>();
  private readonly watched: Map<string, HubTarget>;
  private readonly answering = new Map<string, boolean>();
  private lastWriteAt = -Infinity;
  private changed = false;

  constructor(private readonly stateDir: string, targets: readonly HubTarget[], private readonly log: Logger) {
    this.watched = new Map(targets.filter((t) => DISCOVERED.has(t.origin)).map((t) => [t.url, t]));
    // A remembered hub that does not answer keeps the time it was last seen.
    for (const h of this.watched.size ? readHubsSeen(stateDir) : []) if (this.watched.has(h.url)) this.seen.set(h.url, h);
  }

  /**
   * Where `url` stands: its last answer (if any) and whether its last poll answered. A newly seen hub is
   * written at once, and so is the last answer of a hub that stops answering: that is the time check will
   * report it was last seen.
   */
  observe(url: string, lastOkAt: number | undefined, answering: boolean): void {
    const target = this.watched.get(url);
    if (!target) return;
    const stopped = this.answering.get(url) === true && !answering;
    this.answering.set(url, answering);
    if (lastOkAt !== undefined && this.seen.get(url)?.lastSeenAt !== lastOkAt) {
      if (!this.seen.has(url)) this.lastWriteAt = -Infinity;
      this.seen.set(url, { url, lastSeenAt: lastOkAt, ...(target.pid === undefined ? {} : { pid: target.pid }) });
      this.changed = true;
    }
    if (stopped) this.lastWriteAt = -Infinity;
  }

  /** Writes the file when something changed and the last write is a minute old (or `force`). */
  flush(now: number, force = false): void {
    if (!this.changed || (!force && now - this.lastWriteAt < REWRITE_EVERY_MS)) return;
    try {
      writeFileAtomic(join(this.stateDir, HUBS_SEEN_FILE), `${JSON.stringify({ hubs: [...this.seen.values()] })}\n`, { mode: 0o600 });
      this.lastWriteAt = now;
      this.changed = false;
    } catch (err) {
      this.log.warn({ err: String(err) }, 'cannot write hubs-seen.json (the hubs check falls back to)');
    }
  }
}
