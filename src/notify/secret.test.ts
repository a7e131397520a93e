import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { z } from 'zod';
import { redactingLogger, redactSecrets, redactUrl, secret, secretRedactor, urlUserinfo } from './secret.js';
import { tempDir } from '../../test/support/temp-dir.js';
import { inputJsonSchema } from '../config/json-schema.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('secret()', () => {
  const schema = z.object({ token: secret() }).strict();

  test('an inline value is itself', () => {
    expect(schema.parse({ token: 'abc123' })).toEqual({ token: 'abc123' });
  });

  test('env:NAME reads the variable at parse time', () => {
    vi.stubEnv('MHM_TEST_TOKEN', 'from-env');
    expect(schema.parse({ token: 'env:MHM_TEST_TOKEN' })).toEqual({ token: 'from-env' });
  });

  test('env:NAME of an unset variable is an error that names it', () => {
    vi.stubEnv('MHM_TEST_UNSET', undefined);
    const r = schema.safeParse({ token: 'env:MHM_TEST_UNSET' });
    expect(r.success).toBe(false);
    expect(r.error?.issues).toEqual([expect.objectContaining({ path: ['token'], message: 'environment variable MHM_TEST_UNSET is not set' })]);
  });

  test('file:/path reads the file, trimmed', () => {
    const file = join(tempDir('mhm-secret-'), 'token');
    writeFileSync(file, '  s3cret-value \n');
    expect(schema.parse({ token: `file:${file}` })).toEqual({ token: 's3cret-value' });
  });

  test('file:/path of a missing file is an error naming the path, not a stack', () => {
    const r = schema.safeParse({ token: 'file:/nonexistent/mhm/token' });
    expect(r.error?.issues[0]?.message).toBe('cannot read secret file /nonexistent/mhm/token (ENOENT)');
  });

  test('an empty secret is an error', () => {
    expect(schema.safeParse({ token: '' }).success).toBe(false);
  });

  test('the JSON Schema marks a secret through describe and optional, and a plain string not', () => {
    const s = inputJsonSchema(z.object({ a: secret().describe('x'), b: secret().optional().describe('y'), c: z.string().describe('z') }));
    expect(s.properties?.a).toMatchObject({ 'x-type': 'secret', description: 'x' });
    expect(s.properties?.b).toMatchObject({ 'x-type': 'secret', description: 'y' });
    expect(s.properties?.c?.['x-type']).toBeUndefined();
  });
});

describe('redactSecrets', () => {
  const hook = 'https://hooks.example/T0/B0/SECRET123';

  test('the whole URL, its path, and its token-like segments are redacted', () => {
    expect(redactSecrets(`POST ${hook} failed; path /T0/B0/SECRET123; token SECRET123`, [hook]))
      .toBe('POST <redacted> failed; path <redacted>; token <redacted>');
  });

  test('the URL without its scheme and URL-encoded secrets are redacted', () => {
    expect(redactSecrets('to hooks.example/T0/B0/SECRET123 and pa%2Fss%3Dword', [hook, 'pa/ss=word']))
      .toBe('to <redacted> and <redacted>');
  });

  test('query values and user:pass@ are redacted', () => {
    const url = 'https://user:p4ssw0rd@ntfy.example/topic?auth=QUERYTOKEN';
    expect(redactSecrets(`got ${url}; auth=QUERYTOKEN; pw p4ssw0rd`, [url]))
      .toBe('got <redacted>; <redacted>; pw <redacted>');
  });

  test('user:pass@ in any URL is redacted, secret or not', () => {
    expect(redactSecrets('see http://bob:hunter2@example.com/x', [])).toBe('see http://<redacted>@example.com/x');
  });

  test('short words in a path stay readable; secrets under 4 characters are not searched for', () => {
    expect(redactSecrets('hooks and services are fine, ab too', ['https://h.example/hooks/services', 'ab']))
      .toBe('hooks and services are fine, ab too');
  });

  test('plain secrets are replaced everywhere', () => {
    expect(redactSecrets('k=R0UTE-KEY-1 and again R0UTE-KEY-1', ['R0UTE-KEY-1'])).toBe('k=<redacted> and again <redacted>');
  });
});

describe('every derived form of URL userinfo (faults F6)', () => {
  const b64 = (t: string) => Buffer.from(t).toString('base64');
  const url = 'http://admin:P%40ss%2Fw0rd!@hooks.example/x';
  const pass = 'P@ss/w0rd!';

  test('the Basic header Node sends for user:pass@ (base64 of the decoded pair: padded, unpadded, URL-safe) is redacted', () => {
    const basic = b64(`admin:${pass}`);
    const text = `echo: Authorization: Basic ${basic}; ${basic.replace(/=+$/, '')}; ${Buffer.from(`admin:${pass}`).toString('base64url')}`;
    expect(redactSecrets(text, [url])).toBe('echo: Authorization: Basic <redacted>; <redacted>; <redacted>');
  });

  test('the userinfo as written and decoded, the password percent-encoded, decoded and in base64 are redacted; a short user name stays readable', () => {
    expect(redactSecrets(`admin:P%40ss%2Fw0rd! admin:${pass} ${encodeURIComponent(pass)} ${pass} ${b64(pass)}`, [url]))
      .toBe('<redacted> <redacted> <redacted> <redacted> <redacted>');
    expect(redactSecrets('user admin denied', [url])).toBe('user admin denied');
  });

  test('a user alone (https://TOKEN@host) or a token-like user is the credential, in every form', () => {
    expect(redactSecrets(`t ghp_0123456789abcdef ${b64('ghp_0123456789abcdef:')}`, ['https://ghp_0123456789abcdef@h.example/x'])).toBe('t <redacted> <redacted>');
    expect(redactSecrets(`k key-12345678 ${b64('key-12345678:x')}`, ['https://key-12345678:x@h.example/x'])).toBe('k <redacted> <redacted>');
  });

  test('a plain secret is redacted in base64 too (SMTP AUTH LOGIN, a script encoding its token)', () => {
    expect(redactSecrets(`token ${b64('R0UTE-KEY-1')} rejected`, ['R0UTE-KEY-1'])).toBe('token <redacted> rejected');
  });

  test('urlUserinfo: the credential of a URL that is not itself a secret; nothing for a URL without one', () => {
    expect(urlUserinfo(url)).toEqual(['admin:P%40ss%2Fw0rd!', `admin:${pass}`, pass]);
    expect(urlUserinfo('https://TOKEN123@ntfy.example')).toEqual(['TOKEN123:', 'TOKEN123:', 'TOKEN123']);
    expect(urlUserinfo('https://ntfy.sh')).toEqual([]);
    expect(urlUserinfo('not a url')).toEqual([]);
  });

  test('redactingLogger redacts the message, field values at any depth and an Error\'s message', () => {
    const got: unknown[] = [];
    const rec = (obj: object, msg?: string) => got.push([obj, msg]);
    const log = redactingLogger({ info: rec, warn: rec, error: rec }, secretRedactor([url]));
    log.warn({ error: `Basic ${b64(`admin:${pass}`)}`, nested: { list: [pass] }, err: new Error(`pw ${pass}`), n: 3 }, `failed for ${url}`);
    expect(got).toEqual([[{ error: 'Basic <redacted>', nested: { list: ['<redacted>'] }, err: { type: 'Error', message: 'pw <redacted>' }, n: 3 }, 'failed for <redacted>']]);
  });
});

describe('redactUrl', () => {
  test.each([
    ['https://hooks.slack.com/services/T0/B0/XXXX', 'https://hooks.slack.com/<redacted>'],
    ['http://user:pass@127.0.0.1:8080/hook/SECRET123?x=1', 'http://127.0.0.1:8080/<redacted>'],
    ['not a url', '<redacted>'],
  ])('%s → %s', (url, out) => {
    expect(redactUrl(url)).toBe(out);
  });
});
