/**
 * The generated parts of docs/commands.md, rendered from the command table: the global options, and each
 * command's usage line and options, between `<!-- name:start -->` and `<!-- name:end -->` markers placed in
 * the section that explains the command. The prose around them is written by hand; what a command accepts
 * is not, so it cannot drift from what commander and the fast path parse. `npm run docs:cli` rewrites the
 * markers' contents; a test compares.
 */
import { COMMANDS, type CommandSpec } from './commands.js';
import { GLOBAL_OPTIONS, type OptionSpec } from './options.js';

/** Text for a Markdown table cell: `<value>` placeholders outside code spans become code, `|` is escaped. */
function cell(text: string): string {
  return text.split('`').map((part, i) => (i % 2 ? part : part.replace(/<[\w.:-]+>/g, '`$&`'))).join('`').replace(/\|/g, '\\|');
}

/** An option table; the default column only when some option has a default. */
function optionTable(options: readonly OptionSpec[]): string[] {
  const withDefault = options.some((o) => o.default !== undefined);
  const meaning = (o: OptionSpec) => `${cell(o.description)}${o.choices ? ` (one of ${o.choices.join(', ')})` : ''}`;
  return withDefault
    ? ['| option | default | meaning |', '|---|---|---|',
      ...options.map((o) => `| \`${o.flags}\` | ${o.default !== undefined ? `\`${o.default}\`` : ''} | ${meaning(o)} |`)]
    : ['| option | meaning |', '|---|---|', ...options.map((o) => `| \`${o.flags}\` | ${meaning(o)} |`)];
}

function usage(spec: CommandSpec): string {
  return ['mcp-hub-monitor', spec.name, ...(spec.options?.length ? ['[options]'] : []), ...(spec.args ?? []).map((a) => a.name)].join(' ');
}

/** A command's block: its usage line, its arguments' meaning, its options. */
export function renderUsage(spec: CommandSpec): string {
  return [
    '```',
    usage(spec),
    '```',
    ...(spec.args?.some((a) => a.description) ? ['', ...spec.args.map((a) => `- \`${a.name}\`${a.description ? `: ${cell(a.description)}` : ''}`)] : []),
    ...(spec.options?.length ? ['', ...optionTable(spec.options)] : []),
  ].join('\n');
}

export function renderGlobalOptions(): string {
  return optionTable(GLOBAL_OPTIONS).join('\n');
}

/** The marker name of a command's block: `usage:check`, `usage:silence-add`. */
export const usageMarker = (spec: CommandSpec): string => `usage:${spec.name.replace(/ /g, '-')}`;

const GLOBAL_MARKER = 'global-options';

/** The marked sections of a document, by name, with what they hold now. */
export function markedSections(text: string): Map<string, string> {
  return new Map([...text.matchAll(/<!-- ([\w:-]+):start -->\n([\s\S]*?)\n?<!-- \1:end -->/g)].map((m) => [m[1] as string, m[2] as string]));
}

/**
 * docs/commands.md with its generated sections rendered afresh. Throws when a command has no block (or one
 * has two), or a marker names no command: the reference then misses what a command accepts.
 */
export function renderCommandsDoc(text: string, commands: readonly CommandSpec[] = COMMANDS): string {
  const bodies = new Map<string, string>([[GLOBAL_MARKER, renderGlobalOptions()], ...commands.map((c) => [usageMarker(c), renderUsage(c)] as const)]);
  const problems: string[] = [];
  for (const name of bodies.keys()) {
    const count = text.split(`<!-- ${name}:start -->`).length - 1;
    if (count !== 1) problems.push(`${count} <!-- ${name}:start --> markers (want 1)`);
  }
  for (const name of markedSections(text).keys()) if (!bodies.has(name)) problems.push(`<!-- ${name}:start --> names no command`);
  if (problems.length) throw new Error(`docs/commands.md: ${problems.join('; ')}`);
  return text.replace(/(<!-- ([\w:-]+):start -->\n)[\s\S]*?\n?(<!-- \2:end -->)/g, (_m, start: string, name: string, end: string) => `${start}${bodies.get(name)}\n${end}`);
}
