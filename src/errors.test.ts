import { expect, test } from 'vitest';
import {
  classifyError, ConfigError, isMonitorError, MonitorError, ParamError, StateDirError, StoreError, UsageError, withHint,
} from './errors.js';
import { LockHeldError } from './store/lock.js';

const cause = Object.assign(new Error('SQLITE_CORRUPT: database disk image is malformed'), { code: 'SQLITE_CORRUPT' });

test.each([
  ['usage', new UsageError('--timeout: not a duration (got "soon")', { hint: 'Write a number and a unit, e.g. 5s' }), 'USAGE',
    '--timeout: not a duration (got "soon"). Write a number and a unit, e.g. 5s'],
  ['config', new ConfigError('/etc/mhm.yaml', 'check.sucess_rate', 'unknown key', 'Check the spelling'), 'CONFIG_INVALID',
    '/etc/mhm.yaml: check.sucess_rate: unknown key. Check the spelling'],
  ['store', new StoreError('STORE_CORRUPT', '/s/history.sqlite', '/s/history.sqlite: damaged', { hint: 'Move it aside.', cause }), 'STORE_CORRUPT',
    '/s/history.sqlite: damaged. Move it aside.'],
  ['state dir', new StateDirError('STATE_DIR_MISSING', '/s', '/s: the state dir does not exist;', { hint: 'the daemon creates it.' }), 'STATE_DIR_MISSING',
    '/s: the state dir does not exist; the daemon creates it.'],
  ['lock', new LockHeldError('/s/daemon.lock', { pid: 42, startedAt: 0, hostname: 'h', token: 't' }), 'LOCK_HELD',
    '/s/daemon.lock: held by pid 42 on h, since 1970-01-01T00:00:00.000Z. Another mcp-hub-monitor daemon is using this state dir; stop it first (kill 42, or systemctl --user stop mcp-hub-monitor), or use another --state-dir.'],
  ['parameter', new ParamError('limit', 'a positive whole number (got "0")'), 'BAD_PARAMETER', 'limit: a positive whole number (got "0")'],
])('a %s error carries its code, its hint and cause, and is one line exiting 3', (_kind, err, code, message) => {
  expect(err).toBeInstanceOf(MonitorError);
  expect(err.code).toBe(code);
  expect(err.message).toBe(message);
  expect(classifyError(err)).toEqual({ exitCode: 3, message });
});

test('the hint and the cause are kept apart from the problem', () => {
  const err = new StoreError('STORE_CORRUPT', '/s/history.sqlite', '/s/history.sqlite: damaged', { hint: 'Move it aside.', cause });
  expect(err).toMatchObject({ problem: '/s/history.sqlite: damaged', hint: 'Move it aside.', cause, path: '/s/history.sqlite' });
  expect(new UsageError('bad').hint).toBeUndefined();
  expect(new ConfigError('f', '', 'missing').message).toBe('f: missing'); // no hint, no trailing full stop
});

test('withHint adds a full stop only where the problem has no closing punctuation', () => {
  expect(withHint('a', 'B.')).toBe('a. B.');
  expect(withHint('a.', 'B.')).toBe('a. B.');
  expect(withHint('a;', 'b.')).toBe('a; b.');
  expect(withHint('a', undefined)).toBe('a');
});

test('an error made by another bundle file\'s copy of the classes is still ours (the brand, not instanceof)', () => {
  const copy = Object.assign(new Error('/s: not a directory. Remove it.'), { code: 'STATE_DIR_NOT_DIR', [Symbol.for('mcp-hub-monitor.error')]: true });
  expect(copy).not.toBeInstanceOf(MonitorError);
  expect(isMonitorError(copy)).toBe(true);
  expect(classifyError(copy)).toEqual({ exitCode: 3, message: '/s: not a directory. Remove it.' });
});

test('a message is printed on one line even if it holds a line break', () => {
  expect(classifyError(new UsageError('a\n  b')).message).toBe('a b');
});

test.each([
  ['a TypeError', new TypeError('x is undefined')],
  ['an errno error', Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' })],
  ['an error that only looks like ours by its code', Object.assign(new Error('no'), { code: 'STORE_CORRUPT' })],
])('%s is a bug: "internal error" with its stack, exit 3', (_kind, err) => {
  const out = classifyError(err);
  expect(out.exitCode).toBe(3);
  expect(out.message).toBe(`internal error: ${err.stack}`);
});

test('a thrown non-error is a bug too', () => {
  expect(classifyError('boom')).toEqual({ exitCode: 3, message: 'internal error: boom' });
  expect(classifyError(undefined)).toEqual({ exitCode: 3, message: 'internal error: undefined' });
});

test.each([
  ['commander.helpDisplayed', 0], ['commander.help', 0], ['commander.version', 0],
  ['commander.unknownOption', 3], ['commander.invalidArgument', 3], ['commander.missingArgument', 3],
])('commander\'s %s (already printed by commander) exits %i with nothing more to say', (code, exitCode) => {
  expect(classifyError(Object.assign(new Error('x'), { code }))).toEqual({ exitCode });
});
