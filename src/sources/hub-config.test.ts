import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import JSON5 from 'json5';
import { describe, expect, test } from 'vitest';
import { parseHubConfig, readHubConfig } from './hub-config.js';
import type { ConfiguredServer } from '../model/hub-config.js';

const fixturePath = (name: string) => fileURLToPath(new URL(`../../test/fixtures/hub-config/${name}`, import.meta.url));
const parse = (text: string, path = '/home/u/.config/mcphub/config.json') => parseHubConfig(path, text, JSON5);
const byName = (servers: ConfiguredServer[], name: string) => servers.find((s) => s.name === name);

describe('parseHubConfig on the captured fixtures', () => {
  test('mixed-command-url.json: server x is refused because it mixes stdio and sse fields', () => {
    const path = fixturePath('mixed-command-url.json');
    const r = parseHubConfig(path, readFileSync(path, 'utf8'), JSON5);
    expect(r.ok).toBe(false);
    expect(r.error).toBeUndefined();
    expect(r.servers).toHaveLength(1);
    const x = byName(r.servers, 'x')!;
    expect(x.problems).toHaveLength(1);
    expect(x.problems[0]).toMatch(/^cannot mix stdio and sse fields/);
    expect(x.transport).toBe('invalid');
  });

  test('main-mcp-servers.json: four valid stdio servers', () => {
    const path = fixturePath('main-mcp-servers.json');
    const r = parseHubConfig(path, readFileSync(path, 'utf8'), JSON5);
    expect(r).toMatchObject({ path, ok: true });
    expect(r.servers.map((s) => s.name)).toEqual(['everything', 'filesystem', 'broken', 'missing-binary']);
    for (const s of r.servers) {
      expect(s.problems, s.name).toEqual([]);
      expect(s.transport, s.name).toBe('stdio');
      expect(s.disabled, s.name).toBe(false);
    }
  });
});

describe('parseHubConfig applies the hub\'s per-server rules', () => {
  test.each<{ name: string; text: string; server: string; transport: ConfiguredServer['transport']; problem?: RegExp }>([
    { name: 'a stdio server with a command is valid', text: '{"mcpServers":{"a":{"command":"node","args":["x.js"]}}}', server: 'a', transport: 'stdio' },
    { name: 'an sse server with a valid url is valid', text: '{"mcpServers":{"a":{"url":"http://127.0.0.1:9000/sse"}}}', server: 'a', transport: 'sse' },
    {
      name: 'a server with neither command nor url must include either command or url',
      text: '{"mcpServers":{"a":{"args":["x"]}}}', server: 'a', transport: 'invalid', problem: /^must include either command/,
    },
    { name: 'a server with an unparseable url has an invalid url', text: '{"mcpServers":{"a":{"url":"not a url"}}}', server: 'a', transport: 'sse', problem: /^has invalid url$/ },
    { name: 'a server with an empty command is missing its command value', text: '{"mcpServers":{"a":{"command":""}}}', server: 'a', transport: 'stdio', problem: /^missing command value$/ },
    {
      name: 'a dev field on an sse server is refused',
      text: '{"mcpServers":{"a":{"url":"http://h/sse","dev":{"enabled":true}}}}', server: 'a', transport: 'sse', problem: /^dev field is only supported for stdio/,
    },
    {
      name: 'a server that is not an object is refused',
      text: '{"mcpServers":{"a":"node x.js"}}', server: 'a', transport: 'invalid', problem: /^not an object$/,
    },
  ])('$name', ({ text, server, transport, problem }) => {
    const r = parse(text);
    expect(r.error).toBeUndefined();
    const s = byName(r.servers, server)!;
    expect(s.transport).toBe(transport);
    if (problem) {
      expect(r.ok).toBe(false);
      expect(s.problems).toHaveLength(1);
      expect(s.problems[0]).toMatch(problem);
    } else {
      expect(r.ok).toBe(true);
      expect(s.problems).toEqual([]);
    }
  });

  test('the VS Code layout {servers:{…}} is accepted like mcpServers', () => {
    const r = parse(JSON.stringify({ servers: { a: { command: 'x' } } }));
    expect(r).toMatchObject({ ok: true, servers: [{ name: 'a', transport: 'stdio', problems: [] }] });
    expect(r.error).toBeUndefined();
  });

  test('disabled: true is read as disabled', () => {
    const r = parse('{"mcpServers":{"a":{"command":"x","disabled":true},"b":{"command":"y"}}}');
    expect(byName(r.servers, 'a')!.disabled).toBe(true);
    expect(byName(r.servers, 'b')!.disabled).toBe(false);
  });

  test('env keys are listed, but no env value appears anywhere in the result', () => {
    const secret = 'sk-live-9f8e7d6c5b4a-DO-NOT-LEAK';
    const r = parse(JSON.stringify({ mcpServers: { a: { command: 'x', env: { API_KEY: secret, OTHER_TOKEN: `${secret}-2` } } } }));
    expect(byName(r.servers, 'a')!.envKeys).toEqual(['API_KEY', 'OTHER_TOKEN']);
    expect(JSON.stringify(r)).not.toContain(secret);
    expect(JSON.stringify(r)).not.toContain('sk-live');
  });

  test('a JSON5 comment and trailing commas parse fine', () => {
    const text = `{
      // the hub reads JSON5
      mcpServers: {
        a: { command: 'node', args: ['x.js',], },
        /* block comment */
        b: { url: 'http://127.0.0.1:9000/sse', },
      },
    }`;
    const r = parse(text);
    expect(r.error).toBeUndefined();
    expect(r.ok).toBe(true);
    expect(r.servers.map((s) => [s.name, s.transport])).toEqual([['a', 'stdio'], ['b', 'sse']]);
  });

  test('a server named "__proto__" is an ordinary server, not the prototype', () => {
    const r = parse('{"mcpServers":{"__proto__":{"command":"x"},"b":{"command":"y"}}}');
    expect(r.ok).toBe(true);
    expect(r.servers.map((s) => s.name)).toEqual(['__proto__', 'b']);
    expect(byName(r.servers, '__proto__')).toMatchObject({ transport: 'stdio', problems: [] });
  });
});

describe('parseHubConfig refuses files the hub cannot load', () => {
  test.each([
    { name: 'a JSON array is not an object', text: '[1, 2]', error: /not a JSON object/ },
    { name: 'a bare string is not an object', text: '"hello"', error: /not a JSON object/ },
    { name: 'null is not an object', text: 'null', error: /not a JSON object/ },
    { name: 'text that is not JSON5 is a parse error', text: '{ mcpServers: { a: ', error: /^not valid JSON5: / },
    { name: 'an object without mcpServers or servers is refused', text: '{"other":{}}', error: /'mcpServers' must be an object/ },
    { name: 'mcpServers as a string is refused', text: '{"mcpServers":"a"}', error: /'mcpServers' must be an object/ },
  ])('$name', ({ text, error }) => {
    const r = parse(text);
    expect(r.ok).toBe(false);
    expect(r.servers).toEqual([]);
    expect(r.error).toMatch(error);
  });

  test('readHubConfig of a missing file says the hub skips it', () => {
    const r = readHubConfig('/nonexistent/dir/mcp-hub-monitor-test/config.json', undefined, JSON5);
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/^file not found/);
  });

  test('readHubConfig resolves a relative path against the hub cwd', () => {
    const dir = fileURLToPath(new URL('../../test/fixtures/hub-config/', import.meta.url));
    const r = readHubConfig('main-mcp-servers.json', dir, JSON5);
    expect(r.path).toBe(fixturePath('main-mcp-servers.json'));
    expect(r.ok).toBe(true);
    expect(r.servers).toHaveLength(4);
  });
});

describe('matching mcp-hub 4.2.1 exactly (review regressions)', () => {
  test('a truthy `servers` key replaces `mcpServers`, as the hub does', () => {
    const r = parse('{"mcpServers":{},"servers":{"b":{"command":"y"}}}');
    expect(r.servers.map((s) => s.name)).toEqual(['b']);
  });

  test('env: null, env: [] and headers: null pass, as the hub only rejects truthy non-objects', () => {
    const r = parse('{"mcpServers":{"a":{"command":"x","env":null},"b":{"command":"x","env":[]},"c":{"url":"http://h/","headers":null}}}');
    expect(r.ok).toBe(true);
    expect(r.servers.flatMap((s) => s.problems)).toEqual([]);
  });

  test('mcpServers: [] is zero servers, not an error', () => {
    expect(parse('{"mcpServers":[]}')).toMatchObject({ ok: true, servers: [] });
  });
});
