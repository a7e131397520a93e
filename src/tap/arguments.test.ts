/**
 * Recorded arguments (tap.record_arguments): secrets out by key and by shape, at any depth; the cap with its
 * marker; hostile shapes (deep, wide, huge, `__proto__`) cost bounded work and never throw.
 */
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { MAX_ARGUMENTS_BYTES } from '../model/calls.js';
import { recordedArguments } from './arguments.js';

const SECRETS = {
  github: 'ghp_aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dE3fG5',
  openai: 'sk-proj-Zx8Yw7Vu6Ts5Rq4Po3Nm2Lk1',
  jwt: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
  aws: 'AKIAIOSFODNN7EXAMPLE',
  slack: 'xoxb-123456789012-abcdefghijkl',
  opaque: 'Qm9vbTEyMzQ1Njc4OTBhYmNkZWZnaGlqa2xtbm9w', // no known shape: long, mixed case and digits
  urlPassword: 'hunter2-s3cret',
};

test('values under secret-naming keys and values shaped like secrets are redacted at any depth; the rest stays', () => {
  const recorded = recordedArguments({
    query: 'select 1',
    path: '/home/me/Projects/Report2026/final-draft.md',
    id: '3f2b8c1e-7a4d-4e21-9c55-0f1e2d3c4b5a',
    commit: 'a94a8fe5ccb19ba61c4c0873d391e987982fbbd3',
    api_key: 'plain-looking', password: 'correct horse', Cookie: 'sid=1', client_secret: 'x', sessionId: 'abc',
    nested: [{ headers: { Authorization: 'Bearer abcdefghijkl' } }, { note: `use ${SECRETS.github} here` }],
    tokens: { openai: SECRETS.openai, jwt: SECRETS.jwt, aws: `key ${SECRETS.aws}`, slack: SECRETS.slack, opaque: SECRETS.opaque },
    header: 'Authorization: Bearer abcdefghijklmnop',
    dsn: `postgres://app:${SECRETS.urlPassword}@db.internal:5432/app`,
    pem: '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----',
  })!;
  for (const secret of [...Object.values(SECRETS), 'plain-looking', 'correct horse', 'sid=1', 'abcdefghijkl', 'MIIEowIBAAKCAQEA']) expect(recorded).not.toContain(secret);
  const doc = JSON.parse(recorded) as Record<string, unknown>;
  expect(doc).toMatchObject({
    query: 'select 1', path: '/home/me/Projects/Report2026/final-draft.md', id: '3f2b8c1e-7a4d-4e21-9c55-0f1e2d3c4b5a', commit: 'a94a8fe5ccb19ba61c4c0873d391e987982fbbd3',
    api_key: '<redacted>', password: '<redacted>', Cookie: '<redacted>', client_secret: '<redacted>', sessionId: '<redacted>',
    nested: [{ headers: { Authorization: '<redacted>' } }, { note: 'use <redacted> here' }],
    dsn: 'postgres://app:<redacted>@db.internal:5432/app',
  });
});

test('arguments longer than the cap are cut to MAX_ARGUMENTS_BYTES with a marker, on a character boundary; a cut string never ends in a secret\'s head', () => {
  const long = recordedArguments({ text: 'ä'.repeat(5_000) })!;
  expect(Buffer.byteLength(long)).toBeLessThanOrEqual(MAX_ARGUMENTS_BYTES);
  expect(long).toMatch(/^\{"text":"ä+…\[cut\]/);
  expect(long).not.toContain('\uFFFD');
  // A secret straddling the point where the string budget runs out: not even its head is kept.
  const straddling = recordedArguments({ filler: 'x '.repeat(2_000), tail: `z ${SECRETS.github}` })!;
  expect(straddling).not.toMatch(/ghp_/);
  expect(recordedArguments({ a: 1 })).toBe('{"a":1}');
  expect(recordedArguments(undefined)).toBeUndefined();
  expect(recordedArguments('just a string')).toBe('"just a string"');
});

test('hostile shapes: 100,000 levels deep, 100,000 keys wide, a 1 MB string and a __proto__ key cost bounded work and stay data', () => {
  let deep: unknown = 'bottom';
  for (let i = 0; i < 100_000; i++) deep = [deep];
  const wide = Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, i]));
  const t0 = performance.now();
  for (const v of [deep, wide, { s: 'a-'.repeat(500_000) }, { s: 'eyJ'.repeat(300_000) }]) {
    const r = recordedArguments(v)!;
    expect(Buffer.byteLength(r)).toBeLessThanOrEqual(MAX_ARGUMENTS_BYTES);
  }
  expect(performance.now() - t0).toBeLessThan(2_000);
  const proto = recordedArguments(JSON.parse('{"__proto__":{"polluted":true},"token":"t"}'))!;
  expect(JSON.parse(proto)).toEqual(JSON.parse('{"__proto__":{"polluted":true},"token":"<redacted>"}'));
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
});

test('property: whatever the arguments, the record is at most the cap, and a known-shape secret placed anywhere in them never appears', () => {
  const secret = fc.constantFrom(...Object.values(SECRETS).filter((s) => s !== SECRETS.urlPassword));
  fc.assert(fc.property(fc.jsonValue(), secret, fc.nat(), (value, s, where) => {
    const paths: unknown[] = [value, [value, s], { data: value, nested: { deeper: [`prefix ${s} suffix`] } }];
    const r = recordedArguments(paths[where % paths.length])!;
    expect(Buffer.byteLength(r)).toBeLessThanOrEqual(MAX_ARGUMENTS_BYTES);
    if (where % paths.length > 0) expect(r).not.toContain(s);
  }));
});
