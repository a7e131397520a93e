import { join } from 'node:path';
import { expect, test } from 'vitest';
import { resolveGlobalOptions } from './global-options.js';

const env = { HOME: '/home/op', XDG_CONFIG_HOME: '/cfg', XDG_STATE_HOME: '' };

/** The error `fn` throws, as code and message. */
function thrown(fn: () => unknown): { code?: string; message: string } {
  try {
    fn();
  } catch (err) {
    return { code: (err as { code?: string }).code, message: (err as Error).message };
  }
  throw new Error('did not throw');
}

test('no flags: the XDG config file, the state dir under HOME, colour on, no deadline of its own', () => {
  expect(resolveGlobalOptions({}, env)).toEqual({
    hubs: [], configFile: join('/cfg', 'mcp-hub-monitor', 'config.yaml'), configExplicit: false,
    stateDir: join('/home/op', '.local', 'state', 'mcp-hub', 'monitoring'), json: false, color: true, timeoutMs: undefined,
  });
});

test('flags win over the environment', () => {
  expect(resolveGlobalOptions({ hub: ['http://127.0.0.1:7000'], config: 'c.yaml', stateDir: '/s', json: true, color: false }, env))
    .toMatchObject({ hubs: ['http://127.0.0.1:7000'], configFile: 'c.yaml', configExplicit: true, stateDir: '/s', json: true, color: false });
});

test.each([
  { timeout: '1500ms', ms: 1_500 },
  { timeout: '5s', ms: 5_000 },
  { timeout: '1m30s', ms: 90_000 },
])('--timeout $timeout is $ms ms', ({ timeout, ms }) => {
  expect(resolveGlobalOptions({ timeout }, env).timeoutMs).toBe(ms);
});

test.each(['soon', '5', '0s', '-1s', ''])('--timeout %j is a usage error naming the flag and how to write it', (timeout) => {
  expect(thrown(() => resolveGlobalOptions({ timeout }, env))).toEqual({
    code: 'USAGE', message: `--timeout: not a duration (got ${JSON.stringify(timeout)}). Write a number and a unit: 500ms, 30s, 5m, 4h, 1d`,
  });
});
