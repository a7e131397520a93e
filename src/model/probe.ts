/**
 * What an MCP round trip through the hub observed: the liveness probe of a server's child and a canary tool
 * call. `sources/server-probe.ts` produces these; evaluators, the daemon and `measure` read them.
 */

/**
 * alive: the child answered. dead: the hub's client has no live transport ("Not connected", "Connection
 * closed") although the hub may still say connected. hung: the child took longer than the timeout.
 * not_connected: the hub itself says the server is not up (consistent with its status). unsupported: the
 * hub does not serve the route. hub_error: anything else the hub answered. unreachable: no answer from the hub.
 */
export type ProbeOutcome = 'alive' | 'dead' | 'hung' | 'not_connected' | 'unsupported' | 'hub_error' | 'unreachable';

export interface ProbeResult {
  server: string;
  outcome: ProbeOutcome;
  /** Client-side round trip through the hub. */
  latencyMs: number;
  /** The hub's error message or our failure, short. */
  detail?: string;
}

/** ok: the tool answered. tool_error: it answered with `isError` (HTTP 200 from the hub). Else as probes. */
export type CanaryOutcome = 'ok' | 'tool_error' | Exclude<ProbeOutcome, 'alive'>;

export interface CanaryResult {
  server: string;
  tool: string;
  outcome: CanaryOutcome;
  latencyMs: number;
  detail?: string;
}

