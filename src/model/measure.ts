/**
 * What `measure` observed (issue E): every raw sample of each hub, with the settings the sampler ran with.
 * `sources/measure-sampler.ts` produces these; `evaluate/baseline.ts` turns them into a baseline document.
 * Times are ms after the measurement's monotonic t0.
 */
import type { LlmMetrics } from './hub.js';

/** One scheduled health request. */
export interface HealthSample {
  k: number;
  /** k × interval: when the request was due. */
  scheduledMs: number;
  /** When it was sent; null for a slot missed because our own process stalled. */
  actualMs: number | null;
  /** Client-side round trip of `GET /api/health`; null without an answer. */
  latencyMs: number | null;
  /** `ok`, a failure class (refused, timeout, http_status, …), `no_answer` (too many outstanding) or `missed`. */
  outcome: string;
}

/** One MCP liveness round trip to a server's child through the hub. */
export interface ProbeSample {
  atMs: number;
  latencyMs: number;
  /** A ProbeOutcome: alive, dead, hung, not_connected, unsupported, hub_error, unreachable. */
  outcome: string;
}

/** CPU and memory of the hub's process tree over one sampling window. */
export interface ProcessWindow {
  startMs: number;
  endMs: number;
  hubCpuPercent: number;
  hubRssBytes: number;
  children: number;
  childrenCpuPercent: number;
  childrenRssBytes: number;
}

/** The hub's LLM metrics at one moment (undefined fields: not served). */
export interface LlmSample {
  atMs: number;
  values: Omit<LlmMetrics, 'sources'>;
}

/** What the sampler observed of one hub. */
export interface HubObservations {
  url: string;
  version?: string;
  state?: string;
  pid?: number;
  health: HealthSample[];
  probes: { server: string; samples: ProbeSample[] }[];
  process: ProcessWindow[];
  processUnavailable?: string;
  llm: LlmSample[];
  llmSources: string[];
}

/** What the sampler observed, with the settings it ran with. */
export interface MeasureObservations {
  name: string;
  startedAtMs: number;
  durationMs: number;
  intervalMs: number;
  probeEveryMs: number;
  timeoutMs: number;
  tool: { name: string; version: string; node: string; platform: string };
  hubs: HubObservations[];
}


/** Where a measurement stands, for the progress display. */
export interface MeasureProgress {
  elapsedMs: number;
  durationMs: number;
  /** Health requests answered and failed so far, over every hub. */
  answered: number;
  failed: number;
  lastLatencyMs?: number;
}

