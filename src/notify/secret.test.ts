import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { z } from 'zod';
import { isSecretSchema, redactSecrets, redactUrl, secret } from './secret.js';
import { tempDir } from '../../test/support/temp-dir.js';

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

  test('the secret mark survives describe and optional', () => {
    expect(isSecretSchema(secret().describe('x'))).toBe(true);
    expect(isSecretSchema(z.string().describe('x'))).toBe(false);
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

describe('redactUrl', () => {
  test.each([
    ['https://hooks.slack.com/services/T0/B0/XXXX', 'https://hooks.slack.com/<redacted>'],
    ['http://user:pass@127.0.0.1:8080/hook/SECRET123?x=1', 'http://127.0.0.1:8080/<redacted>'],
    ['not a url', '<redacted>'],
  ])('%s → %s', (url, out) => {
    expect(redactUrl(url)).toBe(out);
  });
});
