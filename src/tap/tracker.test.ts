/**
 * Calls in flight on the MCP endpoint, on a manual clock: the deadline sweep, cancellations, a client that
 * leaves, and two sessions using the same JSON-RPC ids. Fed the way the proxy feeds it (exchanges.ts).
 */
import { expect, test } from 'vitest';
import type { CallRecord } from '../model/calls.js';
import { ManualClock } from '../model/clock.js';
import { exchangeFor, type Exchange, type ExchangeContext } from './exchanges.js';
import { readRequests } from './json-rpc.js';
import { CallTracker } from './tracker.js';

const DEADLINE = 60_000;

function world(): { clock: ManualClock; tracker: CallTracker; calls: CallRecord[]; ctx: ExchangeContext } {
  const clock = new ManualClock();
  const calls: CallRecord[] = [];
  const emit = (c: CallRecord): void => void calls.push(c);
  const tracker = new CallTracker({ hub: 'http://127.0.0.1:7000', deadlineMs: DEADLINE, clock, emit });
  return { clock, tracker, calls, ctx: { hub: 'http://127.0.0.1:7000', maxBodyBytes: 1 << 20, clock, tracker, emit } };
}

const rpc = (id: number | string | undefined, method: string, params: unknown = {}): Record<string, unknown> => ({ jsonrpc: '2.0', ...(id !== undefined ? { id } : {}), method, params });
const toolCall = (id: number | string, name: string) => rpc(id, 'tools/call', { name, arguments: {} });
const body = (doc: unknown): Buffer => Buffer.from(JSON.stringify(doc));

/** A legacy MCP session through the exchanges: its `GET /mcp` stream and a way to post to it. */
function session(ctx: ExchangeContext, id: string): { stream: Exchange; post(doc: unknown): void; answer(doc: unknown): void } {
  const stream = exchangeFor(ctx, 'GET', '/mcp', '', {})!;
  stream.response(200, { 'content-type': 'text/event-stream' }, true);
  stream.responseChunk(Buffer.from(`event: endpoint\ndata: /messages?sessionId=${id}\n\n`));
  return {
    stream,
    post(doc) {
      const post = exchangeFor(ctx, 'POST', '/messages', `?sessionId=${id}`, {})!;
      const b = body(doc);
      post.requestBody(b, b.length);
      post.response(202, {}, false);
      post.responseEnd();
    },
    answer(doc) {
      stream.responseChunk(Buffer.from(`event: message\ndata: ${JSON.stringify(doc)}\n\n`));
    },
  };
}

test('a call with no answer by the deadline ends as timeout at the sweep after it, with the deadline as its duration; younger calls wait on', async () => {
  const { clock, tracker, calls, ctx } = world();
  const s = session(ctx, 'S1');
  s.post(toolCall(1, 'tester__hang'));
  await clock.advance(30_000);
  s.post(toolCall(2, 'tester__echo'));
  await clock.advance(DEADLINE - 30_000 - 1);
  tracker.sweep();
  expect(calls).toEqual([]);
  await clock.advance(1);
  tracker.sweep();
  expect(calls).toEqual([expect.objectContaining({
    server: 'tester', tool: 'hang', method: 'tools/call', transport: 'sse', session: 'S1', requestId: '1', durationMs: DEADLINE,
    outcome: 'timeout', errorType: 'timeout', errorMessage: 'no answer within 60 s', responseBytes: 0,
  })]);
  expect(tracker.inFlight).toBe(1);
  s.answer({ jsonrpc: '2.0', id: 2, result: { content: [] } });
  expect(calls[1]).toMatchObject({ tool: 'echo', outcome: 'ok', durationMs: DEADLINE - 30_000 });
  expect(tracker.inFlight).toBe(0);
});

test('notifications/cancelled ends the call it names as client_cancelled; an answer after it makes no second record', async () => {
  const { clock, tracker, calls, ctx } = world();
  const s = session(ctx, 'S1');
  s.post(rpc(0, 'initialize', { clientInfo: { name: 'claude', version: '1' } }));
  s.answer({ jsonrpc: '2.0', id: 0, result: {} });
  s.post(toolCall('a-7', 'tester__hang'));
  s.post(toolCall('a-8', 'tester__echo'));
  await clock.advance(1_234);
  s.post(rpc(undefined, 'notifications/cancelled', { requestId: 'a-7', reason: 'user pressed stop' }));
  expect(calls.slice(1)).toEqual([expect.objectContaining({ tool: 'hang', requestId: 'a-7', client: 'claude', outcome: 'client_cancelled', errorType: 'client_cancelled', durationMs: 1_234 })]);
  s.answer({ jsonrpc: '2.0', id: 'a-7', result: { content: [] } });
  expect(calls).toHaveLength(2);
  expect(tracker.inFlight).toBe(1); // a-8 still waits
});

test('a client that leaves its session ends every call still waiting in it as client_cancelled, and only those', () => {
  const { tracker, calls, ctx } = world();
  const gone = session(ctx, 'GONE');
  const stays = session(ctx, 'STAYS');
  gone.post([toolCall(1, 'tester__hang'), toolCall(2, 'other__slow')]);
  stays.post(toolCall(1, 'tester__hang'));
  gone.stream.failed('client_cancelled', 'the client went away before the answer');
  expect(calls.map((c) => [c.session, c.requestId, c.tool, c.outcome])).toEqual([
    ['GONE', '1', 'hang', 'client_cancelled'],
    ['GONE', '2', 'slow', 'client_cancelled'],
  ]);
  expect(tracker.inFlight).toBe(1);
});

test('a hub that ends the session stream ends its waiting calls as transport_error', () => {
  const { calls, ctx } = world();
  const s = session(ctx, 'S1');
  s.post(toolCall(1, 'tester__hang'));
  s.stream.responseEnd();
  expect(calls).toEqual([expect.objectContaining({ requestId: '1', outcome: 'transport_error', errorMessage: 'the hub ended the MCP session stream' })]);
});

test('the same JSON-RPC id in two sessions: each answer ends the call of its own session, in any order, never the other\'s', () => {
  const { tracker, calls, ctx } = world();
  const a = session(ctx, 'A');
  const b = session(ctx, 'B');
  a.post(toolCall(1, 'alpha__echo'));
  b.post(toolCall(1, 'beta__fail'));
  b.answer({ jsonrpc: '2.0', id: 1, result: { isError: true, content: [] } });
  expect(calls).toEqual([expect.objectContaining({ session: 'B', server: 'beta', outcome: 'tool_error' })]);
  a.answer({ jsonrpc: '2.0', id: 1, error: { code: -32603, message: 'Not connected' } });
  expect(calls[1]).toMatchObject({ session: 'A', server: 'alpha', outcome: 'jsonrpc_error', errorCode: -32603, errorMessage: 'Not connected' });
  b.answer({ jsonrpc: '2.0', id: 1, result: {} }); // a duplicate answer ends nothing
  expect(calls).toHaveLength(2);
  expect(tracker.inFlight).toBe(0);
});

test('a cancellation in one scope never cancels the same id in another', () => {
  const { tracker, calls } = world();
  tracker.requests('A', 'A', 'sse', readRequests(toolCall(5, 't__x')), 10);
  tracker.requests('B', 'B', 'sse', readRequests(toolCall(5, 't__x')), 10);
  tracker.requests('A', 'A', 'sse', readRequests(rpc(undefined, 'notifications/cancelled', { requestId: 5 })), 10);
  expect(calls.map((c) => [c.session, c.outcome])).toEqual([['A', 'client_cancelled']]);
  expect(tracker.inFlight).toBe(1);
});

test('a REST answer ends its call as the hub answered: ok, a result with isError (however the key is spelt) a tool_error, an error status with its message', () => {
  const { calls, ctx } = world();
  const rest = (status: number, answer: string, chunks = 1): void => {
    const ex = exchangeFor(ctx, 'POST', '/api/servers/tools', '', {})!;
    const b = body({ server_name: 'tester', tool: 'echo', arguments: { text: 'x' } });
    ex.requestBody(b, b.length);
    ex.response(status, {}, false);
    const a = Buffer.from(answer);
    for (let i = 0; i < chunks; i++) ex.responseChunk(a.subarray(Math.floor((i * a.length) / chunks), Math.floor(((i + 1) * a.length) / chunks)));
    ex.responseEnd();
  };
  const answers: [number, string, number][] = [
    [200, '{"result":{"content":[{"type":"text","text":"said \\"isError\\": no"}]}}', 1],
    [200, '{"result":{"content":[],"isError":true}}', 3],
    [200, '{"result":{"content":[],"\\u0069sError":true}}', 1],
    [200, '{"result":{"content":[{"type":"text","text":"\\u00e9"}],"isError":false}}', 1],
    [500, '{"error":"Not connected"}', 2],
  ];
  for (const [status, answer, chunks] of answers) rest(status, answer, chunks);
  expect(calls.map((c) => [c.server, c.tool, c.outcome, c.errorMessage ?? null])).toEqual([
    ['tester', 'echo', 'ok', null],
    ['tester', 'echo', 'tool_error', null],
    ['tester', 'echo', 'tool_error', null],
    ['tester', 'echo', 'ok', null],
    ['tester', 'echo', 'jsonrpc_error', 'Not connected'],
  ]);
  expect(calls.map((c) => c.responseBytes)).toEqual(answers.map(([, a]) => Buffer.byteLength(a)));
});
