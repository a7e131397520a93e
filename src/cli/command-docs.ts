/**
 * The command-line reference (docs/cli.md), rendered from the command table: every command with its usage,
 * summary and options, so the reference cannot drift from what commander and the fast path accept.
 * `npm run docs:cli` writes it; a test compares.
 */
import { COMMANDS, type CommandSpec } from './commands.js';
import { GLOBAL_OPTIONS, type OptionSpec } from './options.js';

/** Text for a Markdown table cell: `<value>` placeholders outside code spans become code, `|` is escaped. */
function cell(text: string): string {
  return text.split('`').map((part, i) => (i % 2 ? part : part.replace(/<[\w.:-]+>/g, '`$&`'))).join('`').replace(/\|/g, '\\|');
}

function optionRows(options: readonly OptionSpec[]): string[] {
  return [
    '| option | default | meaning |',
    '|---|---|---|',
    ...options.map((o) => `| \`${o.flags}\` | ${o.default !== undefined ? `\`${o.default}\`` : ''} | ${cell(o.description)}${o.choices ? ` (one of ${o.choices.join(', ')})` : ''} |`),
  ];
}

function usage(spec: CommandSpec): string {
  return ['mcp-hub-monitor', spec.name, ...(spec.options?.length ? ['[options]'] : []), ...(spec.args ?? []).map((a) => a.name)].join(' ');
}

function section(spec: CommandSpec): string[] {
  return [
    `## \`${spec.name}\``,
    '',
    '```',
    usage(spec),
    '```',
    '',
    cell(spec.summary),
    ...(spec.args?.some((a) => a.description) ? ['', ...spec.args.map((a) => `- \`${a.name}\`${a.description ? `: ${cell(a.description)}` : ''}`)] : []),
    ...(spec.options?.length ? ['', ...optionRows(spec.options)] : []),
    '',
  ];
}

/** docs/cli.md. */
export function renderCommandReference(commands: readonly CommandSpec[] = COMMANDS): string {
  return [
    '# Command-line reference',
    '',
    '<!-- Generated from src/cli/commands.ts by `npm run docs:cli`; edit the table there, not this file. -->',
    '',
    'Every command, its arguments and options, as `mcp-hub-monitor <command> --help` shows them. The',
    '[README](../README.md) explains what each command is for, with examples.',
    '',
    '## Global options',
    '',
    'Accepted before or after the command, by every command.',
    '',
    ...optionRows(GLOBAL_OPTIONS),
    '',
    ...commands.flatMap(section),
  ].join('\n');
}
