import type { IncomingMessage } from 'node:http';
import { describe, expect, test } from 'vitest';
import { requestHeaders, responseHeaders } from './headers.js';

/** A request as node:http hands it over: the raw list as received, and the `host` it parsed. */
function request(raw: string[], remoteAddress = '10.0.0.7'): IncomingMessage {
  const at = raw.findIndex((v, i) => i % 2 === 0 && v.toLowerCase() === 'host');
  return { rawHeaders: raw, headers: at < 0 ? {} : { host: raw[at + 1] }, socket: { remoteAddress } } as unknown as IncomingMessage;
}

/** A raw list as [name, value] pairs, names lower-cased, for comparing. */
const pairs = (raw: readonly string[]): [string, string][] => raw.flatMap((v, i) => (i % 2 === 0 ? [[v.toLowerCase(), raw[i + 1]!] as [string, string]] : []));

describe('requestHeaders', () => {
  test('the hub gets its own Host, the client\'s end-to-end headers as sent, and the client in X-Forwarded-*', () => {
    const out = requestHeaders(request(['Host', 'tap.example:7001', 'Content-Type', 'application/json', 'Accept', 'a', 'Accept', 'b', 'Mcp-Session-Id', 's1']), '127.0.0.1:7000', false);
    expect(pairs(out)).toEqual([
      ['host', '127.0.0.1:7000'], ['content-type', 'application/json'], ['accept', 'a'], ['accept', 'b'], ['mcp-session-id', 's1'],
      ['x-forwarded-for', '10.0.0.7'], ['x-forwarded-host', 'tap.example:7001'], ['x-forwarded-proto', 'http'],
    ]);
  });

  test('hop-by-hop headers, the ones Connection names, Expect and (with a token) Authorization stop at the tap', () => {
    const raw = ['Host', 'h', 'Connection', 'keep-alive, X-Trace', 'Keep-Alive', 'timeout=5', 'TE', 'trailers', 'Transfer-Encoding', 'chunked', 'Upgrade', 'h2c',
      'Proxy-Authorization', 'Basic x', 'X-Trace', '1', 'Expect', '100-continue', 'Authorization', 'Bearer tap-token', 'X-Kept', 'yes'];
    expect(pairs(requestHeaders(request(raw), 'hub:1', true)).map(([n]) => n)).toEqual(['host', 'x-kept', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto']);
    expect(pairs(requestHeaders(request(raw), 'hub:1', false))).toContainEqual(['authorization', 'Bearer tap-token']);
  });

  test('an X-Forwarded-For from before is kept, the client appended to it', () => {
    const out = pairs(requestHeaders(request(['X-Forwarded-For', '1.1.1.1', 'x-forwarded-for', '2.2.2.2']), 'hub:1', false));
    expect(out.filter(([n]) => n === 'x-forwarded-for')).toEqual([['x-forwarded-for', '1.1.1.1, 2.2.2.2, 10.0.0.7']]);
    expect(out.some(([n]) => n === 'x-forwarded-host')).toBe(false);
  });
});

describe('responseHeaders', () => {
  test('the hub\'s end-to-end headers reach the client as sent (repeated ones too), hop-by-hop ones do not', () => {
    const out = responseHeaders(['Content-Type', 'text/event-stream', 'Set-Cookie', 'a=1', 'Set-Cookie', 'b=2', 'Connection', 'keep-alive', 'Keep-Alive', 'timeout=5', 'Transfer-Encoding', 'chunked', 'Mcp-Session-Id', 's1']);
    expect(pairs(out)).toEqual([['content-type', 'text/event-stream'], ['set-cookie', 'a=1'], ['set-cookie', 'b=2'], ['mcp-session-id', 's1']]);
  });
});
