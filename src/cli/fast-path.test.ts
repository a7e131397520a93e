/**
 * The fast path parses a well-formed evaluating command without commander; everything else (help, an
 * unknown or malformed option, a stray argument) is left to commander, which owns the usage messages.
 */
import { describe, expect, test } from 'vitest';
import { parseFastCommand } from './fast-path.js';

const CHECK_OPTIONS = { expectDaemon: undefined, daemon: undefined, probe: undefined };

describe('parsed on the fast path', () => {
  test.each([
    { name: 'check alone: human format, no options', args: ['check'], want: { command: 'check', raw: {}, format: 'human', options: CHECK_OPTIONS } },
    { name: 'a global flag before the command', args: ['--json', 'check'], want: { command: 'check', raw: { json: true }, format: 'human', options: CHECK_OPTIONS } },
    { name: '--hub is repeatable, with a space or with =', args: ['check', '--hub', 'http://127.0.0.1:7000', '--hub=http://127.0.0.1:7001'], want: { command: 'check', raw: { hub: ['http://127.0.0.1:7000', 'http://127.0.0.1:7001'] }, format: 'human', options: CHECK_OPTIONS } },
    { name: 'a global value that names a command is a value, not the command', args: ['--config', 'check', 'validate'], want: { command: 'validate', raw: { config: 'check' }, format: 'human', options: { probe: undefined } } },
    { name: '--no-color sets color false', args: ['check', '--no-color'], want: { command: 'check', raw: { color: false }, format: 'human', options: CHECK_OPTIONS } },
    { name: '--format nagios and --timeout', args: ['check', '--format', 'nagios', '--timeout=2s'], want: { command: 'check', raw: { timeout: '2s' }, format: 'nagios', options: CHECK_OPTIONS } },
    { name: "check's own flags", args: ['check', '--daemon', '--probe'], want: { command: 'check', raw: {}, format: 'human', options: { ...CHECK_OPTIONS, daemon: true, probe: true } } },
    { name: "validate's --no-probe sets probe false", args: ['validate', '--no-probe'], want: { command: 'validate', raw: {}, format: 'human', options: { probe: false } } },
    { name: "anomalies' --window takes a value", args: ['anomalies', '--window', '30s', '--format=json'], want: { command: 'anomalies', raw: {}, format: 'json', options: { window: '30s' } } },
  ])('$name', ({ args, want }) => {
    expect(parseFastCommand(args)).toEqual(want);
  });
});

describe('left to commander (undefined)', () => {
  test.each([
    { name: 'no command', args: [] },
    { name: 'a command that does not evaluate', args: ['status'] },
    { name: 'an unknown format', args: ['check', '--format=xml'] },
    { name: 'an unknown option', args: ['check', '--verbose'] },
    { name: "another command's option", args: ['check', '--window', '30s'] },
    { name: 'an option missing its value', args: ['anomalies', '--window'] },
    { name: 'an option whose value looks like a flag', args: ['anomalies', '--window', '--json'] },
    { name: 'a value given to a flag', args: ['check', '--json=yes'] },
    { name: 'a stray argument', args: ['check', 'extra'] },
    { name: 'the command twice', args: ['check', 'check'] },
    { name: 'a short flag', args: ['check', '-h'] },
    { name: '--help', args: ['check', '--help'] },
  ])('$name', ({ args }) => {
    expect(parseFastCommand(args)).toBeUndefined();
  });
});
