/**
 * What the traffic tap (`mcp-hub-monitor tap`) tells the daemon about each call it forwarded: the contract
 * between the two processes. The tap writes one JSON line per message to a Unix socket in the daemon's
 * state dir (`TAP_SOCKET_FILE`); the daemon reads, checks (`parseTapLine`) and judges them. Node builtins
 * only: the tap's import graph stays lean (no zod, no SQLite).
 *
 * A record never carries a call's result, nor its arguments unless the user opted in (then redacted and
 * capped by the tap): only who called what, how long it took and how it ended.
 */

/** The socket's file name in the state dir. */
export const TAP_SOCKET_FILE = 'tap.sock';

/** Version of the line format; a reader skips (and counts) lines of another version. */
export const TAP_WIRE_VERSION = 1;

/**
 * How a call ended, from the client's side of the tap:
 * - `ok`: a result (for `tools/call`, one without `isError`);
 * - `tool_error`: a `tools/call` result with `isError: true` (the hub answers a failed tool 200);
 * - `jsonrpc_error`: a JSON-RPC error response (its code in `errorCode`), or a REST error status;
 * - `transport_error`: the hub refused, reset or dropped the connection before answering;
 * - `timeout`: no answer within the tap's deadline;
 * - `client_cancelled`: the client went away (or sent `notifications/cancelled`) before the answer.
 */
export const CALL_OUTCOMES = ['ok', 'tool_error', 'jsonrpc_error', 'transport_error', 'timeout', 'client_cancelled'] as const;
export type CallOutcome = (typeof CALL_OUTCOMES)[number];

/** How the call reached the hub. */
export const CALL_TRANSPORTS = ['rest', 'sse', 'streamable_http'] as const;
export type CallTransport = (typeof CALL_TRANSPORTS)[number];

/** One forwarded call. Strings come from clients and the hub: hostile on every output path. */
export interface CallRecord {
  /** The hub's base URL as the monitor names hubs (`http://127.0.0.1:7000`). */
  hub: string;
  /** The hub's server (the `<server>` of `<server>__<tool>`, or REST `server_name`); null when none. */
  server: string | null;
  /** The tool, prompt or resource name; null for methods without one (`initialize`, `tools/list`). */
  tool: string | null;
  /**
   * The MCP method (`tools/call`, `tools/list`, `initialize`, …); REST tool calls count as `tools/call`;
   * `_OTHER` for a post the tap could not read (over its cap, not JSON-RPC) that the hub refused.
   */
  method: string;
  transport: CallTransport;
  /** The client's name from `initialize` (`clientInfo.name`), capped; null when unknown (REST). */
  client: string | null;
  /** The MCP session id; null for REST. */
  session: string | null;
  /** The JSON-RPC request id as the client sent it (string or number), stringified; null for REST. */
  requestId: string | null;
  /** When the request reached the tap, Unix ms. */
  start: number;
  /** From the request reaching the tap to the answer's last byte (or the failure), ms. */
  durationMs: number;
  outcome: CallOutcome;
  /** The JSON-RPC error code (`jsonrpc_error` from JSON-RPC), or the HTTP status of a failed REST call. */
  errorCode?: number;
  /**
   * The OpenTelemetry `error.type` of a failed call: `tool_error`, the JSON-RPC code as a string
   * (`-32603`), an HTTP status (`500`), `transport_error`, `timeout`, `client_cancelled`.
   */
  errorType?: string;
  /** The error's message, capped at `MAX_ERROR_MESSAGE` characters (e.g. the hub's `Not connected`). */
  errorMessage?: string;
  requestBytes: number;
  responseBytes: number;
  /**
   * The call's arguments as JSON, only when the user opted in (`tap.record_arguments`): secrets redacted,
   * at most MAX_ARGUMENTS_BYTES (ending in `…[cut]` when longer). Absent otherwise.
   */
  arguments?: string;
}

export const MAX_ERROR_MESSAGE = 200;
/** Largest recorded arguments, UTF-8 bytes. */
export const MAX_ARGUMENTS_BYTES = 2_048;

/** What the tap says of itself, every few seconds and when it starts: so the daemon can say it is blind. */
export interface TapStatus {
  /** Where the tap listens and which hub it forwards to. */
  listen: string;
  hub: string;
  pid: number;
  startedAt: number;
  /** Records dropped since the tap started because its buffer was full while the daemon was away. */
  dropped: number;
  /** Records waiting in the tap's buffer now. */
  buffered: number;
  /** The tap's OpenTelemetry export, when it has one (absent from taps without export, and older taps). */
  otel?: TapOtelStatus;
}

/**
 * One signal's OTLP export as a process counts it (src/otel/telemetry.ts): the tap sends it in its status,
 * the daemon keeps its own. Here, at the bottom, so the tap's wire format and the SDK side share one shape.
 */
export interface ExportCounts {
  /** Spans (traces) or metric streams (metrics) the backend accepted. */
  exported: number;
  /** Spans or metric streams lost to failed exports. */
  failed: number;
  failedExports: number;
  /** The last export failed and none has worked since. */
  failing: boolean;
  /** Why the last failed export failed (secrets redacted), and when (Unix ms). */
  lastError?: string;
  lastErrorAt?: number;
  /** When an export last succeeded (Unix ms). */
  lastSuccessAt?: number;
}

/** One signal's export with where it goes (without userinfo or query). */
export type TapExportHealth = ExportCounts & { url: string };

export interface TapOtelStatus {
  traces: TapExportHealth;
  metrics: TapExportHealth;
}

/** One line on the socket. */
export type TapMessage =
  | { v: typeof TAP_WIRE_VERSION; kind: 'call'; call: CallRecord }
  | { v: typeof TAP_WIRE_VERSION; kind: 'status'; status: TapStatus };

/** The line the tap writes for one message (no newline inside: JSON escapes them). */
export function tapLine(message: TapMessage): string {
  return `${JSON.stringify(message)}\n`;
}

/**
 * Reads one line from the socket: the message, or why it is not one (the daemon counts and logs those;
 * a bad line never stops the stream).
 */
export function parseTapLine(line: string): { ok: true; message: TapMessage } | { ok: false; why: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return { ok: false, why: 'not JSON' };
  }
  if (!isObject(raw)) return { ok: false, why: 'not an object' };
  if (raw.v !== TAP_WIRE_VERSION) return { ok: false, why: `wire version ${String(raw.v)}, expected ${TAP_WIRE_VERSION}` };
  if (raw.kind === 'call') {
    const why = callProblem(raw.call);
    return why ? { ok: false, why } : { ok: true, message: raw as TapMessage };
  }
  if (raw.kind === 'status') {
    const s = raw.status;
    if (!isObject(s) || typeof s.hub !== 'string' || typeof s.listen !== 'string' || !isCount(s.dropped) || !isCount(s.buffered) || !isCount(s.pid) || !isCount(s.startedAt)) return { ok: false, why: 'a status without hub, listen, pid, startedAt, dropped and buffered' };
    if (s.otel !== undefined && !(isObject(s.otel) && isExportHealth(s.otel.traces) && isExportHealth(s.otel.metrics))) return { ok: false, why: 'a status whose otel is not the traces and metrics export counts' };
    return { ok: true, message: raw as TapMessage };
  }
  return { ok: false, why: `unknown kind ${JSON.stringify(raw.kind)?.slice(0, 40)}` };
}

function callProblem(c: unknown): string | undefined {
  if (!isObject(c)) return 'a call that is not an object';
  if (typeof c.hub !== 'string' || typeof c.method !== 'string') return 'a call without hub or method';
  if (!isNullableString(c.server) || !isNullableString(c.tool) || !isNullableString(c.client) || !isNullableString(c.session) || !isNullableString(c.requestId)) return 'a call whose server, tool, client, session or requestId is not a string or null';
  if (!(CALL_TRANSPORTS as readonly unknown[]).includes(c.transport)) return 'a call with an unknown transport';
  if (!(CALL_OUTCOMES as readonly unknown[]).includes(c.outcome)) return 'a call with an unknown outcome';
  if (!isCount(c.start) || !isCount(c.durationMs) || !isCount(c.requestBytes) || !isCount(c.responseBytes)) return 'a call whose start, durationMs or sizes are not non-negative numbers';
  if (c.errorCode !== undefined && typeof c.errorCode !== 'number') return 'a call whose errorCode is not a number';
  if (c.errorType !== undefined && typeof c.errorType !== 'string') return 'a call whose errorType is not a string';
  if (c.errorMessage !== undefined && (typeof c.errorMessage !== 'string' || c.errorMessage.length > MAX_ERROR_MESSAGE)) return `a call whose errorMessage is not a string of at most ${MAX_ERROR_MESSAGE} characters`;
  if (c.arguments !== undefined && (typeof c.arguments !== 'string' || c.arguments.length > MAX_ARGUMENTS_BYTES)) return `a call whose arguments are not a string of at most ${MAX_ARGUMENTS_BYTES} characters`;
  return undefined;
}

function isExportHealth(h: unknown): boolean {
  return isObject(h) && typeof h.url === 'string' && isCount(h.exported) && isCount(h.failed) && isCount(h.failedExports) && typeof h.failing === 'boolean'
    && (h.lastError === undefined || typeof h.lastError === 'string') && (h.lastErrorAt === undefined || isCount(h.lastErrorAt));
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNullableString = (v: unknown): boolean => v === null || typeof v === 'string';
const isCount = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v) && v >= 0;
