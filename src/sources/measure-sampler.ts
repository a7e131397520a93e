/**
 * The sampling loop of `measure`. Health requests run open-loop on the daemon's drift-free schedule
 * (slot k at t0 + k·interval, model/schedule.ts): each slot sends its request on time whether or not the
 * previous one has answered, so a slow answer cannot delay — and hide — the samples after it (coordinated
 * omission). The slower work is spread inside the slots, away from the health request: the LLM metrics
 * routes at +¼ slot (every probe period, and once more in the last slot), each connected server's MCP round
 * trip at +½ slot (servers staggered across the probe period so they never queue behind each other), and
 * the /proc scans of the process tree at +¾ slot, in back-to-back windows.
 */
import type http from 'node:http';
import { performance } from 'node:perf_hooks';
import { systemClock, type Clock } from '../model/clock.js';
import { schedulePeriodic } from '../model/schedule.js';
import type { HubObservations, LlmSample, ProbeSample, MeasureProgress } from '../model/measure.js';
import type { HubSnapshot, HubTarget } from '../model/hub.js';
import { pollHub, type PollOptions } from './hub-client.js';
import { locateHubProcess } from './hub-process.js';
import { sampleProcessTree } from './process-sampler.js';
import { probeServer } from './server-probe.js';

/** How measure samples; durations in ms. */
export interface SamplerOptions {
  durationMs: number;
  intervalMs: number;
  probeEveryMs: number;
  /** Per-request deadline of health and metrics requests. */
  timeoutMs: number;
  /** How long a child may take to answer a probe. */
  probeTimeoutMs: number;
  /** Keep-alive agent for the health requests only, so other traffic never queues in front of them. */
  healthAgent: http.Agent;
  /** Agent for probes and metrics. */
  agent: http.Agent;
  /** Called at every slot, for the progress display. */
  onProgress?: (p: MeasureProgress) => void;
  /** Default: the system clock, with the slots' timers made to fire on time (preciseClock). */
  clock?: Clock;
}

/** A hub that has not answered this many requests gets no more: the slot is recorded as `no_answer`. */
const MAX_OUTSTANDING = 16;
const r3 = (x: number) => Number(x.toFixed(3));
const sleep = (clock: Clock, ms: number) => new Promise<void>((r) => { clock.setTimeout(r, ms); });

/**
 * The system clock, but each timer is armed up to `spinMs` early and then waits for its due time in a busy
 * loop: libuv timers have whole-millisecond resolution measured from a cached loop time, so they fire up to
 * a millisecond early or a few late; the slot's sample must go out on time (the ±5 ms of issue E). Up to 1.5 ms
 * of spinning per slot is the price, bounded to 2 % of the interval.
 */
export function preciseClock(spinMs: number): Clock {
  return {
    ...systemClock,
    setTimeout: (fn, ms) => {
      const due = performance.now() + ms;
      const fire = () => {
        while (performance.now() < due) { /* spin to the due time */ }
        fn();
      };
      // setTimeout(…, 0) waits at least 1 ms; a timer due now runs in this loop turn instead.
      const early = ms - spinMs;
      return early > 0 ? { t: setTimeout(fire, early) } : { i: setImmediate(fire) };
    },
    clearTimeout: (h) => {
      const handle = h as { t?: NodeJS.Timeout; i?: NodeJS.Immediate } | undefined;
      if (handle?.t) clearTimeout(handle.t);
      if (handle?.i) clearImmediate(handle.i);
    },
  };
}

class HubSampler {
  readonly obs: HubObservations;
  private outstanding = 0;
  private connected: string[] = [];
  private readonly probing = new Set<string>();
  private readonly probes = new Map<string, ProbeSample[]>();
  private metricsBusy = false;
  processPid?: number;

  constructor(
    readonly target: HubTarget, private readonly opts: SamplerOptions, private readonly clock: Clock,
    private readonly track: (p: Promise<unknown>) => void, private readonly since: () => number,
  ) {
    this.obs = { url: target.url, health: [], probes: [], process: [], llm: [], llmSources: [] };
  }

  /** One poll with a deadline `timeoutMs` from now, on the sampler's clock. */
  private poll(timeoutMs: number, o: Omit<PollOptions, 'deadline'>): Promise<HubSnapshot> {
    const clock = this.clock;
    return pollHub(this.target, { ...o, deadline: clock.monotonic() + timeoutMs, now: () => clock.now(), monotonicNow: () => clock.monotonic() });
  }

  /** Learns version, state, pid and connected servers from an answer. */
  note(s: HubSnapshot): void {
    if (!s.health.ok) return;
    const h = s.health.value;
    this.obs.version = h.version ?? this.obs.version;
    this.obs.state = h.state ?? this.obs.state;
    this.obs.pid = h.pid ?? this.obs.pid;
    this.connected = h.servers.filter((x) => x.status === 'connected').map((x) => x.name).sort();
  }

  /** First look before t0: warms the keep-alive socket and finds the hub's process. */
  async prepare(): Promise<void> {
    // Capped at 1 s: a hung hub must not delay the measurement (which will record it failing) by a full timeout.
    const first = await this.poll(Math.min(1_000, this.opts.timeoutMs), { agent: this.opts.healthAgent, healthOnly: true });
    this.note(first);
    const hub = locateHubProcess(this.target.url, first.health.ok ? first.health.value.pid : undefined);
    if (hub.pid === undefined) this.obs.processUnavailable = hub.unavailable;
    else this.processPid = hub.pid;
  }

  /** Sends slot k's health request now; never waits for it. */
  health(k: number): void {
    const scheduledMs = k * this.opts.intervalMs;
    if (this.outstanding >= MAX_OUTSTANDING) {
      this.obs.health.push({ k, scheduledMs, actualMs: r3(this.since()), latencyMs: null, outcome: 'no_answer' });
      return;
    }
    const rec = { k, scheduledMs, actualMs: r3(this.since()), latencyMs: null as number | null, outcome: 'pending' };
    this.obs.health.push(rec);
    this.outstanding++;
    this.track(this.poll(this.opts.timeoutMs, { agent: this.opts.healthAgent, healthOnly: true }).then((s) => {
      this.outstanding--;
      rec.outcome = s.health.ok ? 'ok' : s.health.failure;
      if (s.health.ok) rec.latencyMs = r3(s.health.latencyMs);
      this.note(s);
    }));
  }

  /** Records slots our own process missed (a stall longer than a slot): not the hub's fault. */
  missed(k: number): void {
    this.obs.health.push({ k, scheduledMs: k * this.opts.intervalMs, actualMs: null, latencyMs: null, outcome: 'missed' });
  }

  /** The LLM metrics routes, through pollHub's own parsing. */
  async metrics(): Promise<void> {
    if (this.metricsBusy) return;
    this.metricsBusy = true;
    try {
      const s = await this.poll(this.opts.timeoutMs, { agent: this.opts.agent });
      const { sources, ...values } = s.metrics;
      for (const src of sources) if (!this.obs.llmSources.includes(src)) this.obs.llmSources.push(src);
      const sample: LlmSample = { atMs: r3(this.since()), values };
      this.obs.llm.push(sample);
    } finally {
      this.metricsBusy = false;
    }
  }

  /** Servers due for their MCP round trip in slot k: each once per period, at its own offset. */
  probesDue(k: number, everySlots: number): string[] {
    const n = this.connected.length;
    return this.connected.filter((name, i) => (k - Math.floor((i * everySlots) / n)) % everySlots === 0 && !this.probing.has(name));
  }

  /** One MCP round trip to `server`'s child through the hub (server-probe.ts: read-only, changes nothing). */
  async probe(server: string): Promise<void> {
    this.probing.add(server);
    try {
      const atMs = r3(this.since());
      const res = await probeServer(this.target.url, server, { timeoutMs: this.opts.probeTimeoutMs, agent: this.opts.agent });
      const list = this.probes.get(server) ?? [];
      list.push({ atMs, latencyMs: r3(res.latencyMs), outcome: res.outcome });
      this.probes.set(server, list);
    } finally {
      this.probing.delete(server);
    }
  }

  /** Equal back-to-back process windows from now until `toMs` after t0, about one per probe period. */
  async processWindows(toMs: number): Promise<void> {
    const pid = this.processPid;
    const fromMs = this.since();
    if (pid === undefined || toMs - fromMs < 50) return;
    const count = Math.max(1, Math.round((toMs - fromMs) / this.opts.probeEveryMs));
    const lengthMs = (toMs - fromMs) / count;
    for (let i = 1; i <= count; i++) {
      const startMs = this.since();
      // Window ends are fixed from the start, so the time a /proc scan takes never accumulates.
      const t = await sampleProcessTree(pid, Math.max(10, fromMs + i * lengthMs - startMs), { now: () => this.clock.monotonic(), sleep: (ms) => sleep(this.clock, ms) });
      if (!t.supported || !t.hub) {
        this.obs.processUnavailable = t.reason ?? 'process sampling not available here';
        return;
      }
      const kids = t.children;
      this.obs.process.push({
        startMs: r3(startMs), endMs: r3(this.since()), hubCpuPercent: t.hub.cpuPercent, hubRssBytes: t.hub.rssBytes, children: kids.length,
        childrenCpuPercent: r3(kids.reduce((s, c) => s + c.cpuPercent, 0)), childrenRssBytes: kids.reduce((s, c) => s + c.rssBytes, 0),
      });
    }
  }

  /** Final observations; probes in server-name order. */
  finish(): HubObservations {
    this.obs.probes = [...this.probes.keys()].sort().map((server) => ({ server, samples: this.probes.get(server) ?? [] }));
    return this.obs;
  }
}

/** Runs the measurement on every target in parallel; resolves with the raw observations and the wall start. */
export async function runMeasurement(targets: readonly HubTarget[], opts: SamplerOptions): Promise<{ startedAtMs: number; hubs: HubObservations[] }> {
  const pending = new Set<Promise<unknown>>();
  const track = (p: Promise<unknown>) => {
    const q = p.catch(() => undefined).finally(() => pending.delete(q));
    pending.add(q);
  };
  const { intervalMs, durationMs } = opts;
  const clock = opts.clock ?? systemClock;
  // Only the slots' timers spin to their due time; the work spread inside a slot needs no such precision.
  const slotClock = opts.clock ?? preciseClock(Math.min(1.5, intervalMs / 50));
  let t0 = 0;
  const since = () => clock.monotonic() - t0;
  const hubs = targets.map((t) => new HubSampler(t, opts, clock, track, since));
  await Promise.all(hubs.map((h) => h.prepare()));

  const lastK = Math.max(0, Math.ceil(durationMs / intervalMs) - 1);
  const everySlots = Math.max(1, Math.round(opts.probeEveryMs / intervalMs));
  const later = (fraction: number, fn: () => Promise<void>) => track(sleep(clock, intervalMs * fraction).then(fn));
  let startedAtMs = 0;
  let nextK = 0;
  let finished!: () => void;
  const slotsDone = new Promise<void>((r) => { finished = r; });

  const periodic = schedulePeriodic({
    periodMs: intervalMs,
    clock: slotClock,
    immediate: true,
    run: async (slot) => {
      if (slot.k === 0) {
        t0 = slot.dueMono;
        startedAtMs = clock.now() - slot.lateMs;
        // Windows end mid-way through the last slot: the measurement is over once that slot's work is.
        for (const h of hubs) later(0.75, () => h.processWindows(lastK * intervalMs + intervalMs / 2));
      }
      for (; nextK < Math.min(slot.k, lastK + 1); nextK++) for (const h of hubs) h.missed(nextK);
      nextK = slot.k + 1;
      if (slot.k > lastK) {
        finished();
        return;
      }
      for (const h of hubs) h.health(slot.k);
      for (const h of hubs) {
        if (slot.k % everySlots === 0 || slot.k === lastK) later(0.25, () => h.metrics());
        if (slot.k === lastK) continue; // a round trip started now would outlast the measurement
        for (const server of h.probesDue(slot.k, Math.min(everySlots, lastK + 1))) later(0.5, () => h.probe(server));
      }
      if (slot.k === lastK) finished(); // nothing is due after the last slot's own work
      const health = hubs.flatMap((h) => h.obs.health);
      const answered = health.filter((s) => s.outcome === 'ok');
      opts.onProgress?.({
        elapsedMs: since(), durationMs,
        answered: answered.length,
        failed: health.filter((s) => s.outcome !== 'ok' && s.outcome !== 'pending' && s.outcome !== 'missed').length,
        lastLatencyMs: answered[answered.length - 1]?.latencyMs ?? undefined,
      });
    },
  });
  await slotsDone;
  await periodic.stop();
  while (pending.size) await Promise.all([...pending]);
  return { startedAtMs, hubs: hubs.map((h) => h.finish()) };
}
