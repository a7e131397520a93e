/**
 * A small MCP server on Streamable HTTP (the official SDK's StreamableHTTPServerTransport, stateful: one
 * transport per `mcp-session-id`), bound to 127.0.0.1, for what server-everything cannot be made to do:
 * answer with JSON instead of an SSE stream (`json: true`), a tool error, a JSON-RPC error, a call that
 * never ends. Tools: `echo {text}`, `fail {text}` (isError), `hang` (never answers).
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';

export interface StreamableServer {
  url: string;
  /** Sessions open now (a DELETE closes one). */
  sessions(): number;
  /** The tools called so far, in the order the calls reached the server. */
  called: string[];
  close(): Promise<void>;
}

function mcpServer(called: string[]): Server {
  const server = new Server({ name: 'mhm-streamable-test', version: '1.0.0' }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: ['echo', 'fail', 'hang'].map((name) => ({ name, inputSchema: { type: 'object' as const, properties: { text: { type: 'string' } } } })),
  }));
  server.setRequestHandler(CallToolRequestSchema, async (req) => {
    called.push(req.params.name);
    const text = String((req.params.arguments ?? {}).text ?? '');
    if (req.params.name === 'echo') return { content: [{ type: 'text' as const, text }] };
    if (req.params.name === 'fail') return { isError: true, content: [{ type: 'text' as const, text }] };
    if (req.params.name === 'hang') return new Promise<never>(() => {});
    throw new Error(`unknown tool ${req.params.name}`); // the SDK answers a JSON-RPC error
  });
  return server;
}

export async function startStreamableServer(opts: { json: boolean }): Promise<StreamableServer> {
  const transports = new Map<string, StreamableHTTPServerTransport>();
  const called: string[] = [];
  const httpServer = http.createServer((req, res) => {
    const sid = req.headers['mcp-session-id'];
    const known = typeof sid === 'string' ? transports.get(sid) : undefined;
    if (known) return void known.handleRequest(req, res);
    if (sid !== undefined || req.method !== 'POST') {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null }));
      return;
    }
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      enableJsonResponse: opts.json,
      onsessioninitialized: (id) => void transports.set(id, transport),
      onsessionclosed: (id) => void transports.delete(id),
    });
    void mcpServer(called).connect(transport).then(() => transport.handleRequest(req, res));
  });
  await new Promise<void>((r) => httpServer.listen(0, '127.0.0.1', () => r()));
  const port = (httpServer.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    sessions: () => transports.size,
    called,
    close: async () => {
      await Promise.all([...transports.values()].map((t) => t.close()));
      httpServer.closeAllConnections();
      await new Promise<void>((r) => httpServer.close(() => r()));
    },
  };
}
