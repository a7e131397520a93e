/**
 * The fast path parses a well-formed command the table starts without commander (check, validate,
 * anomalies), from the table's own option specs; everything else (help, an unknown or malformed option, a
 * stray argument) is left to commander, which owns the usage messages.
 */
import { describe, expect, test } from 'vitest';
import { parseFastCommand } from './fast-path.js';

const parse = (args: string[], env: Record<string, string | undefined> = {}) => parseFastCommand(args, env);
const CHECK_OPTIONS = { format: 'human', expectDaemon: undefined, daemon: undefined, probe: undefined };

describe('parsed on the fast path, defaults applied as commander applies them', () => {
  test.each([
    { name: 'check alone: human format, no options', args: ['check'], want: { command: 'check', raw: {}, opts: CHECK_OPTIONS } },
    { name: 'a global flag before the command', args: ['--json', 'check'], want: { command: 'check', raw: { json: true }, opts: CHECK_OPTIONS } },
    { name: '--hub is repeatable, with a space or with =, on either side', args: ['--hub', 'http://a:1', 'check', '--hub=http://b:2'], want: { command: 'check', raw: { hub: ['http://a:1', 'http://b:2'] }, opts: CHECK_OPTIONS } },
    { name: 'a global value that names a command is a value, not the command', args: ['--config', 'check', 'validate'], want: { command: 'validate', raw: { config: 'check' }, opts: { format: 'human', probe: undefined } } },
    { name: '--no-color sets color false', args: ['check', '--no-color'], want: { command: 'check', raw: { color: false }, opts: CHECK_OPTIONS } },
    { name: '--format nagios and --timeout', args: ['check', '--format', 'nagios', '--timeout=2s'], want: { command: 'check', raw: { timeout: '2s' }, opts: { ...CHECK_OPTIONS, format: 'nagios' } } },
    { name: "check's own flags", args: ['--state-dir', '/s', 'check', '--daemon', '--probe', '--expect-daemon'], want: { command: 'check', raw: { stateDir: '/s' }, opts: { ...CHECK_OPTIONS, daemon: true, probe: true, expectDaemon: true } } },
    { name: "validate's --no-probe sets probe false", args: ['validate', '--no-probe'], want: { command: 'validate', raw: {}, opts: { format: 'human', probe: false } } },
    { name: "anomalies' --window takes a value", args: ['anomalies', '--window', '30s', '--format=json'], want: { command: 'anomalies', raw: {}, opts: { format: 'json', window: '30s' } } },
  ])('$name', ({ args, want }) => {
    const fast = parse(args);
    expect(fast && { command: fast.spec.name, raw: fast.raw, opts: fast.opts }).toEqual(want);
  });
});

describe('left to commander (undefined)', () => {
  test.each([
    { name: 'no command', args: [] },
    { name: 'a command parsed by commander', args: ['status'] },
    { name: 'an unknown format (not among the choices)', args: ['check', '--format=xml'] },
    { name: 'an unknown option', args: ['check', '--verbose'] },
    { name: "another command's option", args: ['check', '--window', '30s'] },
    { name: 'an option missing its value', args: ['anomalies', '--window'] },
    { name: 'an option whose value looks like a flag', args: ['anomalies', '--window', '--json'] },
    { name: 'a value given to a flag', args: ['check', '--json=yes'] },
    { name: 'a stray argument', args: ['check', 'extra'] },
    { name: 'the command twice', args: ['check', 'check'] },
    { name: 'a short flag', args: ['check', '-h'] },
    { name: '--help', args: ['check', '--help'] },
    { name: '--version', args: ['--version'] },
  ])('$name', ({ args }) => {
    expect(parse(args)).toBeUndefined();
  });
});

test('MHM_FAST_PATH=0 sends even a plain check through commander (the A/B switch of bench/fast-path.mjs)', () => {
  expect(parse(['check'], { MHM_FAST_PATH: '0' })).toBeUndefined();
  expect(parse(['check'], { MHM_FAST_PATH: '1' })?.spec.name).toBe('check');
});
