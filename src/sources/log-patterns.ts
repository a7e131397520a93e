/**
 * What a hub log message says, read from its text alone. The upstream log file (docs/hub-api.md §5) holds only
 * the `message` of each log call — no level, code or data — so the level, code and server of a text line
 * can only come from the wording. The tables below are the literal messages of mcp-hub 4.2.1's
 * `logger.error(CODE, message)` and `logger.warn(message)` calls (read from its dist/cli.js); a message we
 * do not know stays level `unknown` rather than being guessed.
 */

/** Severity of a log entry; `unknown` when the line carries none and its wording is not one we know. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'unknown';

/** The hub events a monitor cares about, recognised from the message text in every format. */
export type LogEventKind =
  | 'transport_closed'
  | 'connect_failed'
  | 'server_connected'
  | 'server_stderr'
  | 'hub_starting'
  | 'hub_ready'
  | 'hub_stopping'
  | 'hub_restarting'
  | 'config_changed'
  | 'other';

/** What the wording of one message tells: its event kind, and the level/code/server when the text implies them. */
export interface MessageFacts {
  kind: LogEventKind;
  /** The level the hub logs this message at; `unknown` when the wording does not tell. */
  level: LogLevel;
  code: string | undefined;
  server: string | undefined;
}

type Row = readonly [prefix: string, level: LogLevel, code?: string];

// `logger.error(CODE, message)` with a literal message or prefix: the file gets the message, the code is lost.
const ERROR_ROWS: readonly Row[] = [
  ['Failed to initialize marketplace registry: ', 'error', 'MARKETPLACE_INIT_ERROR'],
  ['Failed to initialize marketplace : ', 'error', 'MARKETPLACE_INIT_ERROR'],
  ['Failed to refresh capabilities for server ', 'error', 'CAPABILITIES_REFRESH_ERROR'],
  ['Failed to parse command line arguments', 'error', 'CLI_ARGS_ERROR'],
  ['Error reloading config after change: ', 'error', 'CONFIG_RELOAD_ERROR'],
  ['Config watcher error', 'error', 'CONFIG_WATCH_ERROR'],
  ['Error updating configuration', 'error', 'CONFIG_UPDATE_ERROR'],
  ["Failed to restart server '", 'error', 'DEV_RESTART_ERROR'],
  ["Dev watcher error for '", 'error', 'DEV_WATCHER_ERROR'],
  ["Failed to start dev watcher for '", 'error', 'DEV_WATCHER_START_ERROR'],
  ['Failed to stop MCP Hub', 'error', 'HUB_STOP_ERROR'],
  ['Failed to initialize MCP server endpoint', 'error', 'MCP_ENDPOINT_INIT_ERROR'],
  ['Error during OAuth callback: ', 'error', 'OAUTH_CALLBACK_ERROR'],
  ['Failed to disconnect server during cleanup', 'error', 'SERVER_DISCONNECT_ERROR'],
  ['Error disconnecting server: ', 'error', 'SERVER_DISCONNECT_ERROR'],
  ['Failed to stop HTTP server', 'error', 'SERVER_STOP_ERROR'],
  ['Shutdown failed', 'error', 'SHUTDOWN_ERROR'],
  ['Failed to setup SSE connection', 'error', 'SSE_SETUP_ERROR'],
  ['Failed to cleanup stale entries: ', 'error', 'WORKSPACE_CACHE_CLEANUP_ERROR'],
  ['Failed to deregister workspace: ', 'error', 'WORKSPACE_CACHE_DEREGISTER_ERROR'],
  ['Failed to initialize workspace cache: ', 'error', 'WORKSPACE_CACHE_INIT_ERROR'],
  ['Failed to read workspace cache: ', 'error', 'WORKSPACE_CACHE_READ_ERROR'],
  ['Failed to register workspace: ', 'error', 'WORKSPACE_CACHE_REGISTER_ERROR'],
  ['Failed to update workspace state: ', 'error', 'WORKSPACE_CACHE_UPDATE_ERROR'],
  ['Error reading cache on file change: ', 'error', 'WORKSPACE_CACHE_WATCH_ERROR'],
  ['Workspace cache watcher error: ', 'error', 'WORKSPACE_CACHE_WATCH_ERROR'],
  ['Failed to start watching workspace cache: ', 'error', 'WORKSPACE_CACHE_WATCH_START_ERROR'],
  ['Error stopping workspace cache watcher: ', 'error', 'WORKSPACE_CACHE_WATCH_STOP_ERROR'],
  ['An unhandled error occurred: ', 'error', 'UNHANDLED_ERROR'],
  ['An unhandled rejection occurred: ', 'error', 'UNHANDLED_REJECTION'],
];

// `logger.warn(message)`: "Failed to …" is not always an error (e.g. the marketplace cache), hence exact prefixes.
const WARN_ROWS: readonly Row[] = [
  ['Failed to acquire lock after ', 'warn'],
  ['Failed to handle MCP message', 'warn'],
  ['Failed to load marketplace cache', 'warn'],
  ['Failed to fetch README from ', 'warn'],
  ['Failed to parse MCP_HUB_ENV: ', 'warn'],
  ['Failed to resolve placeholder ', 'warn'],
  ['Failed to setup MCP SSE connection: ', 'warn'],
  ['Fetch failed, falling back to curl', 'warn'],
  ['HTTP server is already stopped and cannot be stopped again', 'warn'],
  ['MCP Hub is already stopped and cannot be stopped again', 'warn'],
  ['MCP message received without session ID', 'warn'],
  ['MCP message for unknown session: ', 'warn'],
  ['MCP_HUB_ENV is not a valid object', 'warn'],
  ['No config paths to watch', 'warn'],
  ["Could not fetch documentation for server '", 'warn'],
  ['DEPRECATED: ', 'warn'],
  ['Error closing server connected to ', 'warn'],
  ['Error fetching README from ', 'warn'],
  ['Error reading storage: ', 'warn'],
  ['Error saving storage: ', 'warn'],
  ['Error sending ', 'warn'],
  ["Error updating capabilities for server '", 'warn'],
  ['Hub Endpoint onerror: ', 'warn'],
  ["No authorization URL available for server '", 'warn'],
  ['Storage initialization error: ', 'warn'],
  ['Using stale marketplace registry due to error: ', 'warn'],
];

// The fork's own `logger.warn(message)` calls (ollieb89/mcp_hub 4.3.0): its errors carry a code, its warnings
// only their wording. Its SSE stream calls every entry "debug", so for the fork this table is the level.
const FORK_WARN_ROWS: readonly Row[] = [
  ['Meta-tools NOT registered: ', 'warn'],
  ["Failed to create HTTP connection pool for server '", 'warn'],
  ['Tool filtering exceeded 10ms target: ', 'warn'],
  ['Unknown filtering mode: ', 'warn'],
  ['Unknown serverFilter.mode: ', 'warn'],
  ['Unknown category in config: ', 'warn'],
  ['Custom mapping "', 'warn'],
  ['Invalid pattern: ', 'warn'],
  ['Unknown LLM provider: ', 'warn'],
  ['LLM categorization failed for ', 'warn'],
  ['LLM categorization exhausted retries for ', 'warn'],
  ['LLM categorization initialization failed', 'warn'],
  ['LLM categorization enabled but no API key provided', 'warn'],
  ['LLM API timeout after ', 'warn'],
  ['LLM returned invalid category: ', 'warn'],
  ['LLM analysis attempt failed', 'warn'],
  ['LLM analysis failed, using heuristic fallback', 'warn'],
  ['Circuit breaker opened after ', 'warn'],
  ['Circuit breaker is open', 'warn'],
  ['Failed to flush LLM cache', 'warn'],
  ['Failed to load LLM cache: ', 'warn'],
  ['Failed to parse categorization response: ', 'warn'],
  ["Parsed category '", 'warn'],
  ['Invalid confidence ', 'warn'],
  ['OpenAI rate limit exceeded', 'warn'],
  ['OpenAI API key ', 'warn'],
  ['Anthropic rate limit exceeded', 'warn'],
  ['Anthropic API overloaded', 'warn'],
  ['Anthropic API key ', 'warn'],
  ['Gemini rate limit exceeded', 'warn'],
  ['Gemini safety filter triggered', 'warn'],
  ['Gemini API key ', 'warn'],
];

// Indexed by first character so a line is compared with a handful of prefixes, not all ninety. The facts
// objects are built once and shared: most lines allocate none.
const BY_FIRST = new Map<number, { prefix: string; facts: MessageFacts }[]>();
for (const [prefix, level, code] of [...ERROR_ROWS, ...WARN_ROWS, ...FORK_WARN_ROWS]) {
  const c = prefix.charCodeAt(0);
  const row = { prefix, facts: fixed('other', level, code) };
  const list = BY_FIRST.get(c);
  if (list) list.push(row);
  else BY_FIRST.set(c, [row]);
}

/** Longest server name we keep; longer names are cut (they are keys of bounded stats maps). */
export const MAX_SERVER_CHARS = 256;

const ERROR_CODE = /^([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*_ERROR)(?::|$)/;
const LISTEN_ERRNO = /^listen (E[A-Z]+): /;
const SERVERS_STARTED = /^\d+\/\d+ servers started successfully$/;
const RECEIVED_SIGNAL = /^Received SIG[A-Z0-9]+ signal - initiating graceful shutdown$/;
const REQUIRES_AUTH = /^Server '(.+)' requires authorization$/s;

function fixed(kind: LogEventKind, level: LogLevel, code?: string): MessageFacts {
  return Object.freeze({ kind, level, code, server: undefined });
}

const OTHER = fixed('other', 'unknown');
const HUB_STARTING = fixed('hub_starting', 'info');
const HUB_READY = fixed('hub_ready', 'info');
const HUB_STOPPING = fixed('hub_stopping', 'info');
const HUB_RESTARTING = fixed('hub_restarting', 'info');
const CONFIG_CHANGED = fixed('config_changed', 'debug');

function facts(kind: LogEventKind, level: LogLevel, server?: string, code?: string): MessageFacts {
  const name = server ? server.slice(0, MAX_SERVER_CHARS) : undefined;
  return { kind, level, code, server: name || undefined };
}

/** `'<name>' <suffix>` → name, or undefined. */
function quotedThen(msg: string, suffix: string): string | undefined {
  return msg.length > suffix.length + 1 && msg.endsWith(suffix) ? msg.slice(1, -suffix.length) : undefined;
}

/**
 * Reads the event kind, and where the wording implies them the level, code and server, from one message.
 * Pure, never throws; patterns are anchored at the start (or the end) so a 64 KiB message costs no more
 * than a short one.
 */
export function matchMessage(msg: string): MessageFacts {
  const c = msg.charCodeAt(0);
  let name: string | undefined;
  if (c === 39 /* ' */) {
    // docs/hub-api.md §5: `'<n>' transport closed` (debug) is what a dying stdio server leaves behind.
    if ((name = quotedThen(msg, "' transport closed")) !== undefined) return facts('transport_closed', 'debug', name);
    if ((name = quotedThen(msg, "' MCP server connected")) !== undefined) return facts('server_connected', 'info', name);
    const q = msg.indexOf("' ", 1);
    // Both logged at debug by the server's connection code, just before the CONNECTION_ERROR line.
    if (q > 1 && (msg.startsWith(' error: ', q + 1) || msg.startsWith(' failed to start connection', q + 1))) {
      return facts('other', 'debug', msg.slice(1, q));
    }
  } else if (c === 70 /* F */ && msg.startsWith('Failed to connect to "')) {
    const end = msg.indexOf('" MCP server', 22);
    // Logged through logger.error(err.code …) with code CONNECTION_ERROR, which only the JSON formats keep.
    if (end > 22) return facts('connect_failed', 'error', msg.slice(22, end), 'CONNECTION_ERROR');
  } else if (c === 83 /* S */) {
    if (msg.startsWith('Starting HTTP server on port ')) return HUB_STARTING;
    const auth = msg.startsWith("Server '") ? REQUIRES_AUTH.exec(msg) : null;
    if (auth) return facts('other', 'warn', auth[1]);
  } else if (c === 82 /* R */) {
    if (msg === 'Restarting MCP Hub') return HUB_RESTARTING;
    // Every graceful stop goes through this line: the signal handler, and the error path, which SIGTERMs itself.
    if (RECEIVED_SIGNAL.test(msg)) return HUB_STOPPING;
  } else if (c === 67 /* C */ && msg.startsWith('Config file change detected at ')) {
    return CONFIG_CHANGED;
  } else if (c === 73 /* I */ && msg.startsWith("Initializing MCP server '") && msg.endsWith("'")) {
    return facts('other', 'info', msg.slice(25, -1));
  } else if (c >= 48 && c <= 57 && SERVERS_STARTED.test(msg)) {
    // The last line of MCPHub.initialize(); the hub turns `ready` (or `restarted`) right after it.
    return HUB_READY;
  }
  const rows = BY_FIRST.get(c);
  if (rows) {
    for (const row of rows) if (msg.startsWith(row.prefix)) return row.facts;
  }
  const c1 = msg.charCodeAt(1);
  // A code starts with two capitals (or a capital and `_`/digit): that test spares the regex most lines.
  if (c >= 65 && c <= 90 && ((c1 >= 65 && c1 <= 90) || c1 === 95 || (c1 >= 48 && c1 <= 57)) && msg.includes('_ERROR')) {
    const m = ERROR_CODE.exec(msg);
    // SSE_CONNECTION_ERROR is a client going away, logged by the hub at debug; it is not a hub error.
    if (m) return facts('other', m[1] === 'SSE_CONNECTION_ERROR' ? 'debug' : 'error', undefined, m[1]);
  } else if (c === 108 /* l */) {
    // `listen EADDRINUSE: …`: the bind failure the hub logs with the errno as code (a second hub on the port).
    const m = LISTEN_ERRNO.exec(msg);
    if (m) return facts('other', 'error', undefined, m[1]);
  }
  // `<name> stderr: <text>` (warn): whatever a stdio server prints on stderr, which may be anything.
  const s = msg.indexOf(' stderr: ');
  if (s > 0 && s <= MAX_SERVER_CHARS) return facts('server_stderr', 'warn', msg.slice(0, s));
  return OTHER;
}

// `["<name>" server <level> log]: <data>` (debug): an MCP logging notification the child sent.
const CHILD_NOTIFICATION = /^\["([^"]{1,256})" server [a-z]{1,16} log\]: /;

/**
 * The server whose child a log message shows running: a line it wrote on stderr, or an MCP log
 * notification it sent through the hub. A stopped or hung child writes neither. Undefined otherwise.
 * `facts` is the message's matchMessage(), when the caller has it already.
 */
export function serverShownAlive(msg: string, facts: MessageFacts = matchMessage(msg)): string | undefined {
  if (facts.kind === 'server_stderr') return facts.server;
  return msg.charCodeAt(0) === 91 /* [ */ ? CHILD_NOTIFICATION.exec(msg)?.[1] : undefined;
}

/**
 * The level of a log entry whose stated level means nothing: the fork's SSE `log` entries all say "debug",
 * warnings and errors included (its SSE transport compares pino's level label with numbers). The wording
 * decides, as for a text line; failing that, a code means `logger.error(code, …)`, the only call that
 * attaches one; else the level is unknown, never guessed.
 */
export function levelByContent(message: string, code: string | undefined): LogLevel {
  const level = matchMessage(message).level;
  if (level !== 'unknown') return level;
  return code !== undefined ? 'error' : 'unknown';
}
