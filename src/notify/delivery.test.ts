import { describe, expect, test } from 'vitest';
import type { HttpFailure, HttpResponse } from '../sources/http-get.js';
import type { FailureClass } from '../model/hub.js';
import {
  SNIPPET_BYTES, deliveryFromHttp, deliveryFromStatus, isRetryableStatus, parseBodyRetryAfter, parseRetryAfter, sanitiseSnippet,
} from './delivery.js';

const ok = (status: number, body = '', contentType = 'text/plain', headers: Record<string, string> = {}): HttpResponse =>
  ({ ok: true, status, contentType, body: Buffer.from(body), elapsedMs: 1, headers });
const fail = (failure: FailureClass, message = `POST http://127.0.0.1:1/hook/SECRET123: boom`): HttpFailure =>
  ({ ok: false, failure, message, elapsedMs: 1 });
const URL_ = 'https://hooks.example/T0/B0/SECRET123';

describe('the status table', () => {
  const expected = (s: number) => (s >= 200 && s <= 299 ? 'sent' : s === 408 || s === 429 || s >= 500 ? 'retry' : 'failed');
  test('every status 100–599 maps by the table: 2xx sent; 408, 429, 5xx retry; everything else failed', () => {
    for (let s = 100; s <= 599; s++) {
      const d = deliveryFromHttp(ok(s, 'body'), { url: URL_ });
      expect({ s, kind: d.kind }).toEqual({ s, kind: expected(s) });
      expect(isRetryableStatus(s)).toBe(expected(s) === 'retry');
      expect((d as { status?: number }).status).toBe(s);
      if (d.kind === 'retry' || d.kind === 'failed') {
        expect(d.error).toContain(`HTTP ${s}`);
        expect(d.error).not.toContain('SECRET123');
      }
    }
  });

  test('3xx is failed and says redirects are not followed', () => {
    const d = deliveryFromHttp(ok(301, '', 'text/plain', { location: 'https://elsewhere/' }), { url: URL_ });
    expect(d).toEqual({ kind: 'failed', status: 301, error: 'POST https://hooks.example/<redacted>: HTTP 301 (redirects are not followed)' });
  });

  test('a 1xx final status is failed', () => {
    expect(deliveryFromHttp(ok(102), {}).kind).toBe('failed');
  });
});

describe('network failures', () => {
  test.each([
    ['refused', 'retry', 'POST http://127.0.0.1:1/<redacted>: connection refused'],
    ['timeout', 'retry', 'POST http://127.0.0.1:1/<redacted>: no complete response within 10s'],
    ['network', 'retry', 'POST http://127.0.0.1:1/<redacted>: network error (connection reset, closed or DNS failure)'],
    ['malformed', 'retry', 'POST http://127.0.0.1:1/<redacted>: malformed HTTP response'],
    ['too_large', 'retry', 'POST http://127.0.0.1:1/<redacted>: response body over the size cap'],
    ['bad_url', 'failed', 'POST http://127.0.0.1:1/<redacted>: not an http(s) URL'],
  ] as const)('%s is %s, and the client message (with the URL) is not passed on', (failure, kind, error) => {
    const d = deliveryFromHttp(fail(failure), { url: 'http://127.0.0.1:1/hook/SECRET123', timeoutMs: 10_000 });
    expect(d).toEqual({ kind, error });
  });

  test('the system error code is kept, the rest of the message is not', () => {
    const d = deliveryFromHttp(fail('network', 'POST https://h.example/x/SECRET123: ENOTFOUND: getaddrinfo ENOTFOUND h.example'), { url: 'https://h.example/x/SECRET123' });
    expect(d).toEqual({ kind: 'retry', error: 'POST https://h.example/<redacted>: network error (connection reset, closed or DNS failure) [ENOTFOUND]' });
  });

  test('an abort says aborted, not a timeout', () => {
    expect(deliveryFromHttp(fail('timeout', 'POST http://x/SECRET123: aborted'), { timeoutMs: 10_000 }))
      .toEqual({ kind: 'retry', error: 'POST: aborted' });
  });
});

describe('Retry-After', () => {
  const now = Date.UTC(2026, 10, 25, 9, 0, 0);
  test.each([
    ['7', 7_000],
    ['0', 0],
    ['86400', 86_400_000],
    [' 12 ', 12_000],
    ['Wed, 25 Nov 2026 09:00:30 GMT', 30_000],
    ['Wednesday, 25-Nov-26 09:01:00 GMT', 60_000],
    ['Wed, 25 Nov 2026 08:59:00 GMT', 0],
    [undefined, undefined],
    ['', undefined],
    ['soon', undefined],
    ['-5', undefined],
    ['1.5', undefined],
    ['Xyz, 99 Foo 2026 99:99:99 GMT', undefined],
  ])('%j gives %j ms', (value, ms) => {
    expect(parseRetryAfter(value, now)).toBe(ms);
  });

  test('429 with Retry-After: 7 retries after 7000 ms', () => {
    expect(deliveryFromHttp(ok(429, 'slow down', 'text/plain', { 'retry-after': '7' }), {}))
      .toEqual({ kind: 'retry', status: 429, retryAfterMs: 7000, error: 'POST: HTTP 429: slow down' });
  });

  test('503 with an HTTP-date Retry-After waits until then, by the injected clock', () => {
    const d = deliveryFromHttp(ok(503, '', 'text/plain', { 'retry-after': 'Wed, 25 Nov 2026 09:00:10 GMT' }), { now: () => now });
    expect(d).toMatchObject({ kind: 'retry', retryAfterMs: 10_000 });
  });

  test('429 without Retry-After has no retryAfterMs', () => {
    expect(deliveryFromHttp(ok(429), {})).not.toHaveProperty('retryAfterMs');
  });

  test('garbage Retry-After is ignored', () => {
    expect(deliveryFromHttp(ok(429, '', 'text/plain', { 'retry-after': 'later please' }), {})).not.toHaveProperty('retryAfterMs');
  });

  test('a 400 never carries a retry hint', () => {
    expect(deliveryFromHttp(ok(400, '', 'text/plain', { 'retry-after': '7' }), {})).not.toHaveProperty('retryAfterMs');
  });
});

describe("Discord's body retry_after", () => {
  test.each([
    ['{"retry_after": 0.5}', 500],
    ['{"message":"You are being rate limited.","retry_after":64.57,"global":false}', 64_570],
    ['{"retry_after": 1000}', 1_000_000],
    ['{"retry_after": 1500}', 1_500], // over 1000: Discord's milliseconds (discord-api-docs#4722)
    ['{"retry_after": "5"}', undefined],
    ['{"retry_after": -1}', undefined],
    ['not json retry_after', undefined],
    ['{}', undefined],
  ])('%s gives %j ms', (body, ms) => {
    expect(parseBodyRetryAfter(body)).toBe(ms);
  });

  test('a non-JSON content type is not read', () => {
    expect(parseBodyRetryAfter('{"retry_after": 2}', 'text/html')).toBeUndefined();
  });

  test('429 with a Discord body retries after the body hint', () => {
    const d = deliveryFromStatus(429, '{"retry_after": 2.5}', 'application/json', undefined);
    expect(d).toMatchObject({ kind: 'retry', status: 429, retryAfterMs: 2500 });
  });

  test('the Retry-After header wins over the body', () => {
    expect(deliveryFromStatus(429, '{"retry_after": 2.5}', 'application/json', { 'retry-after': '9' })).toMatchObject({ retryAfterMs: 9000 });
  });
});

describe('error snippets', () => {
  test('a body echoing the request URL is redacted', () => {
    const d = deliveryFromHttp(ok(500, `upstream failed for ${URL_}?token=abc`), { url: URL_ });
    expect(d).toEqual({ kind: 'retry', status: 500, error: 'POST https://hooks.example/<redacted>: HTTP 500: upstream failed for <redacted>?token=abc' });
  });

  test('a body quoting only the path or the token is redacted', () => {
    const d = deliveryFromHttp(ok(404, 'no hook /T0/B0/SECRET123; token SECRET123 unknown'), { url: URL_ });
    expect(d.kind === 'failed' && d.error).toBe('POST https://hooks.example/<redacted>: HTTP 404: no hook <redacted>; token <redacted> unknown');
  });

  test('other secrets and any other URL path in the body are redacted', () => {
    const s = sanitiseSnippet('key R0UTINGKEY99 rejected, see https://docs.example/path/secret-ish?x=1', ['R0UTINGKEY99']);
    expect(s).toBe('key <redacted> rejected, see https://docs.example/<redacted>');
  });

  test('the snippet is at most 256 bytes, control characters removed, whitespace folded', () => {
    const s = sanitiseSnippet(`\x1b[2J\x1b]0;pwned\x07${'é'.repeat(1000)}\n\n  tail`);
    expect(Buffer.byteLength(s)).toBeLessThanOrEqual(SNIPPET_BYTES);
    expect(s.startsWith('[2J]0;pwnedé')).toBe(true);
    expect(s.endsWith('…')).toBe(true);
    expect(s).not.toMatch(/[\x00-\x1f\x7f]/);
  });

  test('redaction runs before the cut, so no prefix of a secret survives', () => {
    const secret = 'S'.repeat(40) + 'CANARY';
    const s = sanitiseSnippet('x'.repeat(240) + secret, [secret]);
    expect(s).toBe('x'.repeat(240) + '<redacted>');
  });

  test('an empty body gives just the status', () => {
    expect(deliveryFromHttp(ok(502), {})).toEqual({ kind: 'retry', status: 502, error: 'POST: HTTP 502' });
  });
});
