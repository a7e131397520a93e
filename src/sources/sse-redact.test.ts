import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { REDACTED, SECRET_KEY, redactSecrets } from './sse-redact.js';

/** A config_changed payload as the hub sends it (docs/hub-api.md §3), with secrets where D14 puts them. */
function configChanged(): Record<string, unknown> {
  return {
    type: 'config_changed',
    newConfig: {
      mcpServers: {
        github: {
          command: 'npx', args: ['-y', '@modelcontextprotocol/server-github'],
          env: { GITHUB_PERSONAL_ACCESS_TOKEN: 'ghp_canary', PLAIN: 'also-a-value' },
          config_source: 'mcp-servers.json', type: 'stdio',
        },
        remote: { url: 'https://x.example/mcp', headers: { Authorization: 'Bearer canary' }, type: 'sse' },
      },
      llmCategorization: { provider: 'openai', apiKey: 'sk-canary', model: 'gpt' },
    },
    isSignificant: true,
    timestamp: '2026-11-24T19:24:46.987Z',
  };
}

/** Every (path, value) pair that is not an object or array. */
function leaves(v: unknown, path = '$', out: [string, unknown][] = []): [string, unknown][] {
  if (Array.isArray(v)) v.forEach((x, i) => leaves(x, `${path}[${i}]`, out));
  else if (typeof v === 'object' && v !== null) for (const k of Object.keys(v)) leaves((v as Record<string, unknown>)[k], `${path}.${k}`, out);
  else out.push([path, v]);
  return out;
}

describe('redactSecrets', () => {
  test('env values and secret-named keys become <redacted> at any depth; names and the rest stay (faults D14)', () => {
    const out = redactSecrets(configChanged()) as ReturnType<typeof configChanged>;
    expect(out).toEqual({
      ...configChanged(),
      newConfig: {
        mcpServers: {
          github: {
            command: 'npx', args: ['-y', '@modelcontextprotocol/server-github'],
            env: { GITHUB_PERSONAL_ACCESS_TOKEN: REDACTED, PLAIN: REDACTED },
            config_source: 'mcp-servers.json', type: 'stdio',
          },
          remote: { url: 'https://x.example/mcp', headers: { Authorization: REDACTED }, type: 'sse' },
        },
        llmCategorization: { provider: 'openai', apiKey: REDACTED, model: 'gpt' },
      },
    });
    expect(JSON.stringify(out)).not.toMatch(/canary|ghp_|sk-|also-a-value/);
  });

  test('the input is never mutated', () => {
    const input = configChanged();
    const before = structuredClone(input);
    redactSecrets(input);
    expect(input).toEqual(before);
  });

  test('an env that is not an object is redacted whole', () => {
    expect(redactSecrets({ env: 'OPENAI_API_KEY=sk-1' })).toEqual({ env: REDACTED });
    expect(redactSecrets({ env: ['A=1'] })).toEqual({ env: REDACTED });
  });

  test('a parsed "__proto__" key is copied as data and never becomes the prototype (faults D6)', () => {
    const input = JSON.parse('{"__proto__":{"polluted":true,"token":"t"},"a":{"constructor":{"prototype":{"polluted":true}}}}') as object;
    const out = redactSecrets(input) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.prototype.hasOwnProperty.call(out, '__proto__')).toBe(true);
    expect(Object.getOwnPropertyDescriptor(out, '__proto__')?.value).toEqual({ polluted: true, token: REDACTED });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test('top-level keys listed as verbatim pass untouched (tool schemas with an api_key property survive)', () => {
    const tools = [{ name: 't', inputSchema: { type: 'object', properties: { api_key: { type: 'string' } } } }];
    const out = redactSecrets({ type: 'tool_list_changed', server: 's', tools, token: 'x' }, new Set(['tools'])) as Record<string, unknown>;
    expect(out.tools).toEqual(tools);
    expect(out.token).toBe(REDACTED);
  });

  test('property: for any JSON, no secret-named key or env value survives, and the input is unchanged', () => {
    const key = fc.oneof(fc.string(), fc.constantFrom('env', 'apiKey', 'TOKEN', 'password', 'Authorization', '__proto__', 'constructor'));
    const json = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: 'small' }, fc.jsonValue({ maxDepth: 1 }), tie('object'), fc.array(tie('value'), { maxLength: 4 })),
      object: fc.dictionary(key, tie('value'), { maxKeys: 5 }),
    })).value;
    fc.assert(fc.property(json, (input) => {
      const before = JSON.stringify(input);
      const out = redactSecrets(input);
      expect(JSON.stringify(input)).toBe(before);
      for (const [path, v] of leaves(out)) {
        const segments = path.split('.');
        const last = segments[segments.length - 1]!.replace(/\[\d+\]$/, '');
        if (SECRET_KEY.test(last)) expect(v, path).toBe(REDACTED);
        if (segments.slice(0, -1).some((s) => s === 'env') || last === 'env') expect(v, path).toBe(REDACTED);
      }
    }));
  });
});
