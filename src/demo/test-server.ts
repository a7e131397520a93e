#!/usr/bin/env node
/**
 * A small MCP stdio server (official SDK) that misbehaves on demand, for the demo and the integration tests.
 *
 * Environment:
 *   MCP_TEST_CRASH_AFTER_MS  crash by itself (exit 1, stack on stderr) this long after start
 *   MCP_TEST_FAIL_START=1    exit at once, before the MCP handshake (a server that fails to start)
 *   MCP_TEST_START_DELAY_MS  wait this long before answering the handshake (a slow server keeps a hub
 *                            in `starting`/`restarting`)
 *   MCP_TEST_BUSY_PERCENT    burn about this share of one core, steadily (a busy server)
 *   MCP_TEST_CALL_LOG        append each tool call's name to this file as it arrives (a test waits on it:
 *                            "the call reached the server")
 * Tools (callable through the hub's REST API `POST /api/servers/tools`):
 *   echo {text}              returns the text
 *   fail {text}              returns the text as a tool error (`isError: true`)
 *   crash {delay_ms?}        exits with code 1 after the delay (default 50 ms), like a real crash
 *   hang                     never answers this or any later request (the process stays alive)
 *   add_tool {name}          registers a tool and sends notifications/tools/list_changed
 *   remove_tool {name}       removes a tool added by add_tool and notifies
 * Signals: SIGUSR1 crashes at once; SIGUSR2 adds a tool named `signal_tool_<n>`.
 */
import { appendFileSync } from 'node:fs';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';

interface ToolDef {
  name: string;
  description: string;
  inputSchema: { type: 'object'; properties?: Record<string, unknown>; required?: string[] };
}

if (process.env.MCP_TEST_FAIL_START === '1') {
  process.stderr.write('test-server: failing on purpose before the handshake (MCP_TEST_FAIL_START=1)\n');
  process.exit(3);
}

const builtin: ToolDef[] = [
  { name: 'echo', description: 'Echoes the text back', inputSchema: { type: 'object', properties: { text: { type: 'string' } } } },
  { name: 'fail', description: 'Returns the text as a tool error (isError)', inputSchema: { type: 'object', properties: { text: { type: 'string' } } } },
  { name: 'crash', description: 'Exits the server process with code 1 after delay_ms', inputSchema: { type: 'object', properties: { delay_ms: { type: 'number' } } } },
  { name: 'hang', description: 'Stops answering any request', inputSchema: { type: 'object' } },
  { name: 'add_tool', description: 'Adds a tool and notifies list_changed', inputSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } },
  { name: 'remove_tool', description: 'Removes an added tool and notifies list_changed', inputSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } },
];
const added = new Map<string, ToolDef>();
let hung = false;
const never = new Promise<never>(() => {});

const server = new Server({ name: 'mcp-hub-monitor-test-server', version: '1.0.0' }, { capabilities: { tools: { listChanged: true } } });

function crash(reason: string): never {
  // Like a real crash: a stack on stderr (the hub logs it as `<name> stderr: …`) and a non-zero exit.
  process.stderr.write(`${new Error(`test-server crashed: ${reason}`).stack}\n`);
  process.exit(1);
}

async function addTool(name: string): Promise<void> {
  added.set(name, { name, description: `added at runtime (${new Date().toISOString()})`, inputSchema: { type: 'object' } });
  await server.sendToolListChanged();
}

server.setRequestHandler(ListToolsRequestSchema, async () => {
  if (hung) return never;
  return { tools: [...builtin, ...added.values()] };
});

const callLog = process.env.MCP_TEST_CALL_LOG;

server.setRequestHandler(CallToolRequestSchema, async (req) => {
  if (callLog) appendFileSync(callLog, `${req.params.name}\n`);
  if (hung) return never;
  const args = (req.params.arguments ?? {}) as Record<string, unknown>;
  const text = (t: string) => ({ content: [{ type: 'text' as const, text: t }] });
  switch (req.params.name) {
    case 'echo':
      return text(String(args.text ?? ''));
    case 'fail':
      return { isError: true, content: [{ type: 'text' as const, text: String(args.text ?? '') }] };
    case 'crash': {
      const delay = Number(args.delay_ms ?? 50);
      setTimeout(() => crash('crash tool called'), Number.isFinite(delay) ? delay : 50);
      return text(`crashing in ${delay} ms`);
    }
    case 'hang':
      hung = true;
      return never;
    case 'add_tool':
      await addTool(String(args.name));
      return text(`added ${String(args.name)}`);
    case 'remove_tool':
      added.delete(String(args.name));
      await server.sendToolListChanged();
      return text(`removed ${String(args.name)}`);
    default:
      if (added.has(req.params.name)) return text(`${req.params.name} ran`);
      return { isError: true, content: [{ type: 'text' as const, text: `unknown tool ${req.params.name}` }] };
  }
});

let signalTools = 0;
process.on('SIGUSR1', () => crash('SIGUSR1'));
process.on('SIGUSR2', () => void addTool(`signal_tool_${++signalTools}`));

const crashAfter = Number(process.env.MCP_TEST_CRASH_AFTER_MS);
if (Number.isFinite(crashAfter) && crashAfter > 0) setTimeout(() => crash(`MCP_TEST_CRASH_AFTER_MS=${crashAfter}`), crashAfter);

// A steady CPU load (percent of one core), for checking what the dashboard and `measure` say about it.
const busy = Number(process.env.MCP_TEST_BUSY_PERCENT);
if (Number.isFinite(busy) && busy > 0) setInterval(() => { const end = Date.now() + Math.min(100, busy); while (Date.now() < end); }, 100);

const startDelay = Number(process.env.MCP_TEST_START_DELAY_MS);
if (Number.isFinite(startDelay) && startDelay > 0) await new Promise((r) => setTimeout(r, startDelay));
await server.connect(new StdioServerTransport());
