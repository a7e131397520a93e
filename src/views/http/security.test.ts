import { describe, expect, test } from 'vitest';
import {
  AuthFailureLimiter, checkMutation, defaultAllowedHosts, hasBearerToken, isHostAllowed, isLoopbackHost, validateListen,
} from './security.js';

const TOKEN = 'canary-token-0123456789abcdef';

describe('isLoopbackHost', () => {
  test.each([
    ['127.0.0.1', true], ['127.8.9.10', true], ['::1', true], ['[::1]', true], ['localhost', true], ['LOCALHOST', true], ['::ffff:127.0.0.1', true],
    ['0.0.0.0', false], ['::', false], ['192.168.1.5', false], ['10.0.0.1', false], ['example.com', false], ['127.0.0.1.evil.example', false], ['localhost.evil', false],
  ])('%s → %s', (host, want) => {
    expect(isLoopbackHost(host)).toBe(want);
  });
});

describe('Host allowlist', () => {
  const allowed = defaultAllowedHosts('127.0.0.1', 9870);

  test('the default list is the bind address, localhost, 127.0.0.1 and [::1] with the port', () => {
    expect(allowed).toEqual(['127.0.0.1:9870', 'localhost:9870', '[::1]:9870']);
    expect(defaultAllowedHosts('::1', 1)).toEqual(['[::1]:1', 'localhost:1', '127.0.0.1:1']);
  });

  test.each([
    ['127.0.0.1:9870', true], ['LOCALHOST:9870', true], ['[::1]:9870', true],
    ['evil.example:9870', false], ['evil.example', false], ['127.0.0.1:80', false], ['127.0.0.1', false], ['localhost:98700', false], ['', false], [undefined, false],
  ])('Host %j → %s', (host, want) => {
    expect(isHostAllowed(host, allowed, 9870)).toBe(want);
  });

  test('an entry without a port matches that name with or without our port', () => {
    const list = [...allowed, 'mon.example.org'];
    expect(isHostAllowed('mon.example.org', list, 9870)).toBe(true);
    expect(isHostAllowed('mon.example.org:9870', list, 9870)).toBe(true);
    expect(isHostAllowed('mon.example.org:1234', list, 9870)).toBe(false);
  });
});

describe('validateListen', () => {
  test('a non-loopback bind without a token is refused with a USAGE error that says what to do', () => {
    expect(() => validateListen({ host: '0.0.0.0', port: 9870 }, undefined)).toThrow(expect.objectContaining({ code: 'USAGE', message: expect.stringMatching(/0\.0\.0\.0:9870.*no token.*Set a token.*127\.0\.0\.1/) }));
    expect(() => validateListen({ host: '::', port: 9870 }, undefined)).toThrow(expect.objectContaining({ code: 'USAGE' }));
  });

  test('with a token a non-loopback bind is fine; loopback needs none', () => {
    expect(() => validateListen({ host: '0.0.0.0', port: 9870 }, TOKEN)).not.toThrow();
    expect(() => validateListen({ host: '127.0.0.1', port: 0 }, undefined)).not.toThrow();
  });

  test.each([['short', 'abc'], ['with a space', 'abcdefgh ijklmnopq'], ['non-ASCII', 'ééééééééééééééééé']])('a %s token is refused and not echoed', (_what, token) => {
    let err: unknown;
    try { validateListen({ host: '0.0.0.0', port: 1 }, token); } catch (e) { err = e; }
    expect(err).toMatchObject({ code: 'USAGE' });
    expect(String((err as Error).message)).not.toContain(token);
  });

  test.each([[-1], [65_536], [1.5], [Number.NaN]])('port %s is a USAGE error', (port) => {
    expect(() => validateListen({ host: '127.0.0.1', port }, undefined)).toThrow(expect.objectContaining({ code: 'USAGE' }));
  });
});

describe('hasBearerToken', () => {
  test.each([
    [`Bearer ${TOKEN}`, true], [`bearer ${TOKEN}`, true], [`Bearer ${TOKEN}x`, false], [`Bearer ${TOKEN.slice(1)}`, false],
    [TOKEN, false], ['Basic dXNlcjpwYXNz', false], ['Bearer ', false], ['', false], [undefined, false],
  ])('%j → %s', (header, want) => {
    expect(hasBearerToken(header, TOKEN)).toBe(want);
  });
});

describe('checkMutation', () => {
  const ctx = { allowedHosts: defaultAllowedHosts('127.0.0.1', 9870), port: 9870, token: TOKEN };
  const req = (method: string, headers: Record<string, string>) => ({ method, headers });
  const good = { origin: 'http://127.0.0.1:9870', authorization: `Bearer ${TOKEN}` };

  test.each([
    ['POST from our own origin with the token passes', req('POST', good), { ok: true }],
    ['GET is 405 even with everything else right', req('GET', good), { ok: false, status: 405 }],
    ['PUT is 405', req('PUT', good), { ok: false, status: 405 }],
    ['a cross-site Origin is 403', req('POST', { ...good, origin: 'http://evil.example' }), { ok: false, status: 403 }],
    ['a rebinding Origin with our port is 403', req('POST', { ...good, origin: 'http://evil.example:9870' }), { ok: false, status: 403 }],
    ['Origin "null" (sandboxed frame, file://) is 403', req('POST', { ...good, origin: 'null' }), { ok: false, status: 403 }],
    ['no Origin at all is 403', req('POST', { authorization: good.authorization }), { ok: false, status: 403 }],
    ['a non-http Origin is 403', req('POST', { ...good, origin: 'file://127.0.0.1:9870' }), { ok: false, status: 403 }],
    ['a wrong token is 401', req('POST', { ...good, authorization: 'Bearer nope-nope-nope-nope' }), { ok: false, status: 401 }],
    ['no token is 401', req('POST', { origin: good.origin }), { ok: false, status: 401 }],
    ['localhost is one of our origins too', req('POST', { ...good, origin: 'http://localhost:9870' }), { ok: true }],
  ])('%s', (_name, r, want) => {
    expect(checkMutation(r, ctx)).toMatchObject(want);
  });

  test('with no token configured nothing can change state', () => {
    expect(checkMutation(req('POST', good), { ...ctx, token: undefined })).toMatchObject({ ok: false, status: 403, error: expect.stringMatching(/token/) });
  });
});

describe('AuthFailureLimiter', () => {
  const limits = { perAddress: 10, global: 60, windowMs: 60_000, maxAddresses: 10_000 };

  test('the 11th failure from one address in a minute is limited until its minute ends; other addresses are not', () => {
    const l = new AuthFailureLimiter(limits);
    for (let i = 0; i < 10; i++) expect(l.fail('a', 1_000 + i)).toEqual({ limited: false });
    expect(l.fail('a', 2_000)).toEqual({ limited: true, retryAfterS: 59, scope: 'address' });
    expect(l.fail('b', 2_000)).toEqual({ limited: false });
    expect(l.fail('a', 61_000)).toEqual({ limited: false });
  });

  test('F4 12,000 addresses, one failure each: 60 pass in the minute, the other 11,940 are limited, and the limit is told once', () => {
    const told: object[] = [];
    const l = new AuthFailureLimiter(limits, (o) => told.push(o));
    const verdicts = Array.from({ length: 12_000 }, (_, i) => l.fail(`127.0.${i >> 8}.${i & 255}`, 1_000 + i));
    expect(verdicts.filter((v) => !v.limited)).toHaveLength(60);
    expect(verdicts.slice(60).every((v) => v.limited && v.scope === 'global')).toBe(true);
    expect(told).toEqual([{ failures: 61, addresses: 61, windowS: 60 }]);
    // A new window starts afresh, and is told again when it too fills.
    expect(l.fail('x', 61_000)).toEqual({ limited: false });
    for (let i = 0; i < 60; i++) l.fail(`y${i}`, 61_001);
    expect(told).toHaveLength(2);
  });

  test('memory stays bounded under many addresses, and forgetting addresses does not reset the global count', () => {
    const l = new AuthFailureLimiter({ ...limits, global: 1_000_000, maxAddresses: 100 });
    for (let i = 0; i < 1_000; i++) l.fail(`10.0.${i >> 8}.${i & 255}`, 0);
    expect((l as unknown as { byAddress: Map<string, unknown> }).byAddress.size).toBeLessThanOrEqual(100);
    const g = new AuthFailureLimiter({ ...limits, maxAddresses: 10 });
    const v = Array.from({ length: 100 }, (_, i) => g.fail(`a${i}`, 0));
    expect(v.filter((x) => !x.limited)).toHaveLength(60);
  });
});
