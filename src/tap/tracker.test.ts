/**
 * Calls in flight on the MCP endpoint, on a manual clock: the deadline sweep, cancellations, a client that
 * leaves, and sessions using the same JSON-RPC ids (a property: any interleaving of any number of legacy and
 * Streamable HTTP sessions). Fed the way the proxy feeds it (exchanges.ts).
 */
import fc from 'fast-check';
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

test('Streamable HTTP: a notifications/cancelled in a POST of its own ends the call of its session that it names, and no other session\'s', () => {
  const { tracker, calls, ctx } = world();
  const post = (session: string, doc: unknown): Exchange => {
    const x = exchangeFor(ctx, 'POST', '/mcp', '', { 'mcp-session-id': session })!;
    const b = body(doc);
    x.requestBody(b, b.length);
    return x;
  };
  post('A', toolCall(7, 't__hang')).response(200, { 'content-type': 'text/event-stream' }, true);
  post('B', toolCall(7, 't__hang')).response(200, { 'content-type': 'text/event-stream' }, true);
  const cancel = post('A', rpc(undefined, 'notifications/cancelled', { requestId: 7 }));
  cancel.response(202, {}, false);
  cancel.responseEnd();
  expect(calls.map((c) => [c.session, c.requestId, c.outcome])).toEqual([['A', '7', 'client_cancelled']]);
  expect(tracker.inFlight).toBe(1);
});

/** How a call of the property below is answered; `none`: never, its stream or exchange ends first. */
type Answer = 'ok' | 'tool_error' | 'rpc_error' | 'none';
type Kind = 'sse' | 'streamable_sse' | 'streamable_json';
interface PlannedCall { id: number; answer: Answer; post: number; after: number }

const plannedSession = fc.record({
  kind: fc.constantFrom<Kind>('sse', 'streamable_sse', 'streamable_json'),
  // Ids unique within a session (as a client keeps them) and colliding across sessions (0..5 for all).
  calls: fc.uniqueArray(fc.record({
    id: fc.nat({ max: 5 }), answer: fc.constantFrom<Answer>('ok', 'tool_error', 'rpc_error', 'none'), post: fc.nat({ max: 1_000 }), after: fc.nat({ max: 1_000 }),
  }), { selector: (c) => c.id, minLength: 1, maxLength: 6 }),
});

/** The JSON-RPC answer of call `id` in session `s`; its text names both, and its size differs per session. */
function answerDoc(s: number, c: PlannedCall): Record<string, unknown> {
  const mark = `s${s}-id${c.id}-${'x'.repeat(s)}`;
  if (c.answer === 'rpc_error') return { jsonrpc: '2.0', id: c.id, error: { code: -32000 - s, message: mark } };
  return { jsonrpc: '2.0', id: c.id, result: { content: [{ type: 'text', text: mark }], ...(c.answer === 'tool_error' ? { isError: true } : {}) } };
}

test('property: any interleaving of posts and answers across legacy and Streamable HTTP sessions with colliding ids gives each call exactly one record, with its own session, client, tool and answer', () => {
  fc.assert(fc.property(fc.array(plannedSession, { minLength: 2, maxLength: 8 }), (sessions) => {
    const { tracker, calls, ctx } = world();
    const sid = (s: number) => `session-${s}`;
    const events: { t: number; seq: number; run(): void }[] = [];
    const ends: (() => void)[] = [];
    sessions.forEach((plan, s) => {
      if (plan.kind === 'sse') {
        const sess = session(ctx, sid(s));
        sess.post(rpc('init', 'initialize', { clientInfo: { name: `client-${s}` } }));
        sess.answer({ jsonrpc: '2.0', id: 'init', result: {} });
        for (const c of plan.calls) {
          events.push({ t: c.post, seq: events.length, run: () => sess.post(toolCall(c.id, `srv${s}__tool${c.id}`)) });
          if (c.answer !== 'none') events.push({ t: c.post + c.after + 1, seq: events.length, run: () => sess.answer(answerDoc(s, c)) });
        }
        ends.push(() => sess.stream.responseEnd());
        return;
      }
      const init = exchangeFor(ctx, 'POST', '/mcp', '', {})!;
      const initBody = body(rpc('init', 'initialize', { clientInfo: { name: `client-${s}` } }));
      init.requestBody(initBody, initBody.length);
      init.response(200, { 'content-type': 'application/json', 'mcp-session-id': sid(s) }, false);
      init.responseChunk(body({ jsonrpc: '2.0', id: 'init', result: {} }));
      init.responseEnd();
      for (const c of plan.calls) {
        const x = exchangeFor(ctx, 'POST', '/mcp', '', { 'mcp-session-id': sid(s) })!;
        const sse = plan.kind === 'streamable_sse';
        events.push({ t: c.post, seq: events.length, run: () => {
          const b = body(toolCall(c.id, `srv${s}__tool${c.id}`));
          x.requestBody(b, b.length);
          if (sse) x.response(200, { 'content-type': 'text/event-stream' }, true);
        } });
        if (c.answer !== 'none') {
          events.push({ t: c.post + c.after + 1, seq: events.length, run: () => {
            const doc = JSON.stringify(answerDoc(s, c));
            if (!sse) x.response(200, { 'content-type': 'application/json' }, false);
            x.responseChunk(Buffer.from(sse ? `event: message\ndata: ${doc}\n\n` : doc));
            x.responseEnd();
          } });
        } else ends.push(() => x.responseEnd());
      }
    });
    events.sort((a, b) => a.t - b.t || a.seq - b.seq).forEach((e) => e.run());
    ends.forEach((end) => end());

    const planned = sessions.reduce((n, p) => n + p.calls.length, 0);
    const toolCalls = calls.filter((c) => c.method === 'tools/call');
    expect(toolCalls).toHaveLength(planned);
    expect(tracker.inFlight).toBe(0);
    for (const r of toolCalls) {
      const s = Number(r.session!.slice('session-'.length));
      const c = sessions[s]!.calls.find((k) => String(k.id) === r.requestId)!;
      expect(c).toBeDefined();
      expect(toolCalls.filter((k) => k.session === r.session && k.requestId === r.requestId)).toHaveLength(1);
      expect(r).toMatchObject({ server: `srv${s}`, tool: `tool${c.id}`, client: `client-${s}`, transport: sessions[s]!.kind === 'sse' ? 'sse' : 'streamable_http' });
      const mark = `s${s}-id${c.id}-${'x'.repeat(s)}`;
      if (c.answer === 'none') expect(r.outcome).toBe('transport_error');
      else if (c.answer === 'rpc_error') expect(r).toMatchObject({ outcome: 'jsonrpc_error', errorCode: -32000 - s, errorMessage: mark });
      else expect(r.outcome).toBe(c.answer);
      if (c.answer !== 'none') expect(r.responseBytes).toBe(JSON.stringify(answerDoc(s, c)).length);
    }
  }));
});

test('a post the tap cannot read (over the cap, not JSON-RPC) makes one _OTHER record when the hub refuses it or it fails, none when it is accepted', () => {
  const { tracker, calls, ctx } = world();
  const s = session(ctx, 'S1');
  s.post(rpc(0, 'initialize', { clientInfo: { name: 'claude' } }));
  s.answer({ jsonrpc: '2.0', id: 0, result: {} });
  const refused = exchangeFor(ctx, 'POST', '/messages', '?sessionId=S1', {})!;
  refused.requestBody(undefined, 5_000_000);
  refused.response(413, {}, false);
  refused.responseChunk(Buffer.from('<pre>Payload Too Large</pre>'));
  refused.responseEnd();
  const failed = exchangeFor(ctx, 'POST', '/mcp', '', { 'mcp-session-id': 'H1' })!;
  failed.requestBody(body({ hello: 'world' }), 17);
  failed.failed('transport_error', 'the hub at x refused the connection');
  const accepted = exchangeFor(ctx, 'POST', '/mcp', '', { 'mcp-session-id': 'H1' })!;
  accepted.requestBody(Buffer.from('not json'), 8);
  accepted.response(202, {}, false);
  accepted.responseEnd();
  expect(calls.slice(1).map((c) => [c.method, c.transport, c.session, c.client, c.requestId, c.outcome, c.errorCode, c.requestBytes])).toEqual([
    ['_OTHER', 'sse', 'S1', 'claude', null, 'jsonrpc_error', 413, 5_000_000],
    ['_OTHER', 'streamable_http', 'H1', null, null, 'transport_error', undefined, 17],
  ]);
  expect(tracker.inFlight).toBe(0);
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
