import { expect, test } from 'vitest';
import { parseFastCommand } from './fast-path.js';

const parse = (line: string, env: Record<string, string | undefined> = {}) => parseFastCommand(line.split(' ').filter(Boolean), env);

test('check with global options on either side, defaults applied as commander applies them', () => {
  const fast = parse('--hub http://a:1 check --hub=http://b:2 --timeout 2s --expect-daemon --no-color');
  expect(fast?.spec.name).toBe('check');
  expect(fast?.raw).toEqual({ hub: ['http://a:1', 'http://b:2'], timeout: '2s', color: false });
  expect(fast?.opts).toEqual({ format: 'human', expectDaemon: true, daemon: undefined, probe: undefined });
});

test.each([
  ['validate --no-probe --format nagios', 'validate', { format: 'nagios', probe: false }],
  ['anomalies --window=30s --json', 'anomalies', { format: 'human', window: '30s' }],
  ['--state-dir /s check --daemon --format=json', 'check', { format: 'json', expectDaemon: undefined, daemon: true, probe: undefined }],
])('%s', (line, name, opts) => {
  const fast = parse(line);
  expect(fast?.spec.name).toBe(name);
  expect(fast?.opts).toEqual(expect.objectContaining(opts));
});

test.each([
  ['no command', ''],
  ['help', 'check --help'],
  ['version', '--version'],
  ['a command through commander', 'status'],
  ['an unknown option', 'check --bogus'],
  ['a value not among the choices', 'check --format xml'],
  ['a missing value', 'check --hub'],
  ['an option where a value belongs', 'check --timeout --json'],
  ['a value given to a switch', 'check --probe=yes'],
  ['a stray argument', 'check extra'],
  ['a short flag', 'check -h'],
  ['another command\'s option', 'check --window 5s'],
])('%s goes to commander, which owns the usage messages', (_what, line) => {
  expect(parse(line)).toBeUndefined();
});

test('MHM_FAST_PATH=0 sends even a plain check through commander (the A/B switch of bench/fast-path.mjs)', () => {
  expect(parse('check', { MHM_FAST_PATH: '0' })).toBeUndefined();
  expect(parse('check', { MHM_FAST_PATH: '1' })?.spec.name).toBe('check');
});
