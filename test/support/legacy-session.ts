/**
 * A legacy MCP session over raw node:http (`GET /mcp` for the stream, `POST /messages?sessionId=` for each
 * message), light enough to hold a thousand at once where SDK clients would not be. Answers are matched to
 * calls by id on this session's own stream only, so a session that received another's answer would notice.
 */
import http from 'node:http';

export interface LegacySession {
  sessionId: string;
  /** Sends a request and resolves with its JSON-RPC answer (rejects when the post is refused or the stream ends). */
  call(method: string, params: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** Messages with an id this session never sent (an answer meant for someone else). */
  strays: unknown[];
  /** Resolves when the stream ends or fails (the hub dropped it, or close()). */
  ended: Promise<void>;
  close(): void;
}

/** Opens a session at `base`, initializes it as `client` and sends notifications/initialized. */
export async function openLegacySession(base: string, client: string, agent?: http.Agent): Promise<LegacySession> {
  const pending = new Map<number, { resolve(m: Record<string, unknown>): void; reject(e: Error): void }>();
  const strays: unknown[] = [];
  let nextId = 1;
  let endpoint = '';
  let endStream: () => void = () => undefined;
  const ended = new Promise<void>((r) => { endStream = r; });
  const failAll = (why: string) => {
    for (const p of pending.values()) p.reject(new Error(why));
    pending.clear();
    endStream();
  };
  const req = http.get(`${base}/mcp`, { headers: { accept: 'text/event-stream' } });
  const opened = new Promise<void>((resolve, reject) => {
    req.on('error', (e) => { reject(e); failAll(`stream: ${e.message}`); });
    req.on('response', (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        return reject(new Error(`GET /mcp answered ${res.statusCode}`));
      }
      let buf = '';
      res.setEncoding('utf8').on('data', (d: string) => {
        buf += d.replace(/\r\n/g, '\n');
        for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
          const event = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const name = /^event: ?(.*)$/m.exec(event)?.[1] ?? 'message';
          const data = /^data: ?(.*)$/m.exec(event)?.[1] ?? '';
          if (name === 'endpoint') {
            endpoint = data;
            resolve();
          } else if (name === 'message') {
            const m = JSON.parse(data) as Record<string, unknown>;
            const p = typeof m.id === 'number' ? pending.get(m.id) : undefined;
            if (!p) strays.push(m);
            else {
              pending.delete(m.id as number);
              p.resolve(m);
            }
          }
        }
      });
      res.on('error', () => failAll('the stream failed'));
      res.on('close', () => failAll('the stream ended'));
    });
  });
  await opened;

  const post = (message: Record<string, unknown>): Promise<void> => new Promise((resolve, reject) => {
    const r = http.request(`${base}${endpoint}`, { method: 'POST', ...(agent ? { agent } : {}), headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => { text += d; });
      res.on('end', () => (res.statusCode === 202 ? resolve() : reject(new Error(`POST answered ${res.statusCode}: ${text.slice(0, 200)}`))));
      res.on('error', reject);
    });
    r.on('error', reject);
    r.end(JSON.stringify(message));
  });
  const call = (method: string, params: Record<string, unknown>) => new Promise<Record<string, unknown>>((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { resolve, reject });
    post({ jsonrpc: '2.0', id, method, params }).catch((e: Error) => {
      pending.delete(id);
      reject(e);
    });
  });

  await call('initialize', { protocolVersion: '2024-11-05', capabilities: {}, clientInfo: { name: client, version: '1.0.0' } });
  await post({ jsonrpc: '2.0', method: 'notifications/initialized' });
  const sessionId = new URLSearchParams(endpoint.slice(endpoint.indexOf('?'))).get('sessionId') ?? '';
  return { sessionId, call, strays, ended, close: () => req.destroy() };
}
