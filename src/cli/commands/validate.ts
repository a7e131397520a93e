/**
 * `validate`: the comprehensive validation (replaces phase1-validation.sh) — process and pid, port and its
 * owner, API, servers against the hub's config files, config integrity, disk, the fork's LLM cache, log
 * size, stale workspaces.json entries and network exposure. Finds everything itself; nothing is hard-coded.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { buildResult } from '../../evaluate/check.js';
import { evaluateHistory } from '../../evaluate/history.js';
import { historyFactsIfAny } from '../history-gate.js';
import { evaluateValidate, type DiskFacts, type ValidateInputs } from '../../evaluate/validate.js';
import { hubStateDir, loopbackPreloadPath } from '../../config/paths.js';
import type { HubSnapshot } from '../../model/hub.js';
import { readHubConfig } from '../../sources/hub-config.js';
import { readWorkspaceHubs, type WorkspaceHub } from '../../sources/discovery.js';
import { diskUsage, directorySize } from '../../sources/host.js';
import { locateHubProcess } from '../../sources/hub-process.js';
import { findPortOwner } from '../../sources/port-owner.js';
import { isLoopbackUrl } from '../../sources/proc.js';
import { parseJsonSafe } from '../../model/json.js';
import type { GlobalOptions } from '../global-options.js';
import { openHubPollSession, pollConfirmed } from '../hub-poll.js';
import { probeFindings } from '../probe-findings.js';
import type { CheckFormat } from '../options.js';
import { renderResult, type CommandRun } from '../render-result.js';

type Json5 = { parse(text: string): unknown };

function disk(label: string, path: string): DiskFacts {
  const d = diskUsage(path);
  if ('error' in d) return { label, path, error: d.error };
  return { label, path, availRatio: d.availRatio, availBytes: d.availBytes, networkFs: d.networkFs };
}

function llmCacheFacts(): NonNullable<ValidateInputs['llmCache']> {
  const path = join(hubStateDir(''), 'tool-categories-llm.json');
  try {
    const st = statSync(path);
    const parsed = st.size <= 64 * 1024 * 1024 ? parseJsonSafe(readFileSync(path, 'utf8')) : { ok: false as const, message: 'larger than 64 MiB' };
    return { path, present: true, sizeBytes: st.size, ageMs: Date.now() - st.mtimeMs, parseError: parsed.ok ? undefined : parsed.message };
  } catch {
    return { path, present: false };
  }
}

function gatherLocal(snapshot: HubSnapshot, workspaces: readonly WorkspaceHub[], json5: Json5, stateDir: string): Omit<ValidateInputs, 'snapshot' | 'staleEntries'> {
  const url = snapshot.target.url;
  const port = Number(new URL(url).port || 80);
  const facts: Omit<ValidateInputs, 'snapshot' | 'staleEntries'> = { disks: [] };
  if (!isLoopbackUrl(url)) {
    facts.localFactsUnavailable = 'remote hub: process, port, config and disk facts are only read for hubs on this machine';
    return facts;
  }
  const hub = locateHubProcess(url, snapshot.health.ok ? snapshot.health.value.pid : undefined, { workspaces });
  const entry = hub.entry;
  const owner = findPortOwner(port, { tryFirst: hub.candidates.map((c) => c.pid) });
  if (!owner.supported) {
    facts.localFactsUnavailable = `process and port facts not available here (${owner.reason ?? process.platform})`;
  } else {
    facts.port = owner;
    facts.pid = hub.resolved;
    facts.loopbackPreload = loopbackPreloadPath();
  }
  if (entry) facts.configs = entry.configFiles.map((f) => readHubConfig(f, entry.cwd, json5));
  const logDir = hubStateDir('logs');
  facts.disks.push(disk('hub state dir', hubStateDir('')), disk('hub log dir', logDir), disk('monitor state dir', stateDir));
  const size = directorySize(logDir);
  facts.logDir = 'error' in size ? { path: logDir, error: size.error } : { path: logDir, bytes: size.bytes };
  if (snapshot.routes['/api/filtering/stats']?.outcome === 'ok') facts.llmCache = llmCacheFacts();
  return facts;
}

/** Runs validate and returns what to print. */
export async function runValidate(g: GlobalOptions, format: CheckFormat, opts: { probe?: boolean } = {}): Promise<CommandRun> {
  const session = await openHubPollSession(g);
  try {
    const json5 = (await import('json5')).default as Json5;
    const entries = readWorkspaceHubs();
    const polls = await Promise.all(session.targets.map((t) => pollConfirmed(session, t)));
    const perHub = polls.map(({ snapshot, earlier }, index) => {
      const inputs: ValidateInputs = {
        snapshot,
        // Stale entries are reported once, with the first hub.
        staleEntries: index === 0 ? entries.filter((e) => !e.alive).map((e) => ({ port: e.port, pid: e.pid, file: e.file })) : [],
        ...gatherLocal(snapshot, entries, json5, g.stateDir),
      };
      return { snapshot, findings: evaluateValidate(inputs, session.config, earlier) };
    });
    // The comprehensive check makes the round trip too: a hung or dead child the hub calls connected.
    if (opts.probe !== false) await Promise.all(perHub.map(async (h) => h.findings.push(...await probeFindings(session, h.snapshot))));
    // The daemon's last hour, when it keeps a history: flapping and probe disagreements a one-shot cannot see.
    const now = Date.now();
    for (const h of perHub) {
      h.findings.push(...evaluateHistory(h.snapshot.target.url, await historyFactsIfAny(g.stateDir, h.snapshot.target.url, now), session.config, now));
    }
    return renderResult(buildResult(perHub, session.config, Date.now()), format, g, 'validate');
  } finally {
    session.close();
  }
}

