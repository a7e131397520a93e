/**
 * What the tap reads of a JSON-RPC message or a REST tool call: the method, the id, the target (server and
 * tool) and how an answer ended. Never the result, and the arguments only when asked (the user opted in),
 * then redacted and capped (arguments.ts). Input is hostile: anything that is not the expected shape reads
 * as "nothing to observe".
 */
import { MAX_ERROR_MESSAGE, type CallOutcome } from '../model/calls.js';
import { recordedArguments } from './arguments.js';

export interface RpcRequest {
  /** The id as sent, stringified; undefined for a notification. */
  id: string | undefined;
  method: string;
  server: string | null;
  tool: string | null;
  /** `clientInfo.name` of an `initialize`. */
  client?: string;
  /** The id a `notifications/cancelled` cancels. */
  cancels?: string;
  /** The arguments of a tools/call or prompts/get as recorded, when asked for (recordedArguments). */
  arguments?: string;
}

export interface Ending {
  outcome: CallOutcome;
  errorCode?: number;
  errorType?: string;
  errorMessage?: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const idText = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);
export const capMessage = (s: string): string => (s.length > MAX_ERROR_MESSAGE ? s.slice(0, MAX_ERROR_MESSAGE) : s);

/** Parses a body (or an SSE event's data), or undefined when it is not JSON. */
export function parseJson(body: Buffer | string): unknown {
  try {
    return JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** `<server>__<tool>` as the hub names what it exposes on its MCP endpoint (the server part sanitised). */
function splitName(name: unknown): { server: string | null; tool: string | null } {
  if (typeof name !== 'string') return { server: null, tool: null };
  const at = name.indexOf('__');
  return at > 0 ? { server: name.slice(0, at), tool: name.slice(at + 2) } : { server: null, tool: name };
}

/** The requests and notifications of a JSON-RPC body (one message or a batch); with their arguments when asked. */
export function readRequests(doc: unknown, withArguments = false): RpcRequest[] {
  const out: RpcRequest[] = [];
  for (const m of Array.isArray(doc) ? doc : [doc]) {
    if (!isObject(m) || typeof m.method !== 'string') continue;
    const params = isObject(m.params) ? m.params : {};
    const r: RpcRequest = { id: idText(m.id), method: m.method.slice(0, 100), server: null, tool: null };
    if (m.method === 'tools/call' || m.method === 'prompts/get') {
      Object.assign(r, splitName(params.name));
      const args = withArguments ? recordedArguments(params.arguments) : undefined;
      if (args !== undefined) r.arguments = args;
    }
    else if (m.method === 'resources/read' && typeof params.uri === 'string') r.tool = params.uri.slice(0, 500);
    else if (m.method === 'initialize' && isObject(params.clientInfo) && typeof params.clientInfo.name === 'string') r.client = capMessage(params.clientInfo.name);
    else if (m.method === 'notifications/cancelled') r.cancels = idText(params.requestId);
    out.push(r);
  }
  return out;
}

/** The responses of a JSON-RPC body: each id with how its call ended. */
export function readResponses(doc: unknown): { id: string; ending: Ending }[] {
  const out: { id: string; ending: Ending }[] = [];
  for (const m of Array.isArray(doc) ? doc : [doc]) {
    if (!isObject(m) || 'method' in m) continue;
    const id = idText(m.id);
    if (id !== undefined) out.push({ id, ending: endingOf(m) });
  }
  return out;
}

/** How one JSON-RPC response ended: its error, a tool result with `isError`, or ok. */
export function endingOf(m: Record<string, unknown>): Ending {
  if (isObject(m.error)) {
    const code = typeof m.error.code === 'number' ? m.error.code : undefined;
    return {
      outcome: 'jsonrpc_error',
      ...(code !== undefined ? { errorCode: code, errorType: String(code) } : { errorType: 'jsonrpc_error' }),
      ...(typeof m.error.message === 'string' ? { errorMessage: capMessage(m.error.message) } : {}),
    };
  }
  if (isObject(m.result) && m.result.isError === true) return { outcome: 'tool_error', errorType: 'tool_error' };
  return { outcome: 'ok' };
}

/** The REST routes that are calls, and the MCP method each stands for. */
const REST_CALLS: Record<string, { method: string; target: string }> = {
  '/api/servers/tools': { method: 'tools/call', target: 'tool' },
  '/api/servers/resources': { method: 'resources/read', target: 'uri' },
  '/api/servers/prompts': { method: 'prompts/get', target: 'prompt' },
};

/** The REST call a POST path stands for, or undefined for any other route. */
export function restCall(path: string): { method: string; target: string } | undefined {
  return REST_CALLS[path];
}

/** Server and tool of a REST call's body (`server_name`, and `tool`, `uri` or `prompt`), and its arguments when asked. */
export function restTarget(doc: unknown, target: string, withArguments = false): { server: string | null; tool: string | null; arguments?: string } {
  if (!isObject(doc)) return { server: null, tool: null };
  const server = typeof doc.server_name === 'string' ? doc.server_name.slice(0, 200) : null;
  const tool = typeof doc[target] === 'string' ? (doc[target] as string).slice(0, 500) : null;
  const args = withArguments ? recordedArguments(doc.arguments) : undefined;
  return { server, tool, ...(args !== undefined ? { arguments: args } : {}) };
}

/**
 * Whether a 2xx REST answer must be read to know how the call ended: only a result saying `isError` makes it
 * a tool error, and JSON spells that key either as the literal `"isError"` or with a \u escape. Most answers
 * have neither and end `ok` unparsed (a large tool result would otherwise cost a JSON.parse of all of it).
 */
export function mayNameIsError(body: Buffer): boolean {
  return body.includes('"isError"') || body.includes('\\u');
}

/** How a REST call ended: the HTTP status, the hub's `error` text, or a tool result with `isError`. */
export function restEnding(status: number, doc: unknown): Ending {
  if (status >= 200 && status < 300) {
    return isObject(doc) && isObject(doc.result) && doc.result.isError === true ? { outcome: 'tool_error', errorType: 'tool_error' } : { outcome: 'ok' };
  }
  const message = isObject(doc) && typeof doc.error === 'string' ? doc.error : isObject(doc) && isObject(doc.error) && typeof doc.error.message === 'string' ? doc.error.message : undefined;
  return { outcome: 'jsonrpc_error', errorCode: status, errorType: String(status), ...(message !== undefined ? { errorMessage: capMessage(message) } : {}) };
}
