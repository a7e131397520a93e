/**
 * Generates the README's configuration table from the zod schema's `.describe()` texts and defaults, so
 * the docs cannot drift from validation (vitest's cli-config idea). `npm run docs:config` rewrites the
 * README section; a test fails when they differ.
 */
import type { z } from 'zod';

export interface Row {
  key: string;
  type: string;
  defaultValue: string;
  description: string;
}

type AnySchema = z.ZodType & { _zod: { def: Record<string, unknown> & { type: string } }; description?: string };

function typeName(s: AnySchema, labels?: WeakMap<object, string>): string {
  const def = s._zod.def;
  const label = labels?.get(s);
  if (label) return label;
  switch (def.type) {
    case 'pipe': return 'string';
    case 'enum': return Object.keys(def.entries as Record<string, unknown>).map((v) => `\`${v}\``).join(' \\| ');
    case 'array': return `list of ${typeName(def.element as AnySchema, labels)}`;
    case 'string': return 'string';
    case 'number': return 'number';
    default: return def.type;
  }
}

function walk(s: AnySchema, path: string, rows: Row[], labels?: WeakMap<object, string>, description?: string, dflt?: unknown): void {
  const def = s._zod.def;
  const desc = description ?? s.description;
  if (def.type === 'default' || def.type === 'prefault') {
    walk(def.innerType as AnySchema, path, rows, labels, desc, def.defaultValue);
    return;
  }
  if (def.type === 'object') {
    for (const [k, v] of Object.entries(def.shape as Record<string, AnySchema>)) walk(v, path ? `${path}.${k}` : k, rows, labels);
    return;
  }
  if (def.type === 'array' && (def.element as AnySchema)._zod.def.type === 'object') {
    rows.push({ key: path, type: 'list of objects', defaultValue: dflt === undefined ? '' : JSON.stringify(dflt), description: desc ?? '' });
    walk(def.element as AnySchema, `${path}[]`, rows, labels);
    return;
  }
  rows.push({ key: path, type: typeName(s, labels), defaultValue: dflt === undefined ? '' : JSON.stringify(dflt).replace(/^"|"$/g, ''), description: desc ?? '' });
}

/** Every config key with its type, default and meaning, in schema order. */
export function configRows(schema: z.ZodType, labels?: WeakMap<object, string>): Row[] {
  const rows: Row[] = [];
  walk(schema as AnySchema, '', rows, labels);
  return rows;
}

/**
 * A commented default config file: every key, commented out, with its default and meaning — what `setup`
 * writes, so a user uncomments what they change and the rest stays default.
 */
export function renderConfigTemplate(schema: z.ZodType, labels?: WeakMap<object, string>): string {
  const out = [
    '# mcp-hub-monitor configuration (YAML). Every key is optional: the values shown are the defaults.',
    '# Uncomment a line (and its parent keys) to change it. Reference: the README\'s configuration table.',
    '',
  ];
  const open: string[] = [];
  for (const r of configRows(schema, labels)) {
    if (r.key.includes('[]')) continue; // list items are described by their list
    const parts = r.key.split('.');
    let depth = 0;
    while (depth < open.length && depth < parts.length - 1 && open[depth] === parts[depth]) depth++;
    open.length = depth;
    for (; depth < parts.length - 1; depth++) {
      out.push(`# ${'  '.repeat(depth)}${parts[depth]}:`);
      open.push(parts[depth]!);
    }
    const leaf = parts[parts.length - 1]!;
    if (r.type === 'optional') {
      // No default value to show: uncommenting the block must leave it unset (absent means something).
      out.push(`# ${'  '.repeat(depth)}# ${leaf}:  (unset) ${r.description.replace(/\s+/g, ' ')}`);
      continue;
    }
    const value = r.defaultValue === '' ? (r.type.startsWith('list') ? '[]' : '""') : /^[\[{]/.test(r.defaultValue) ? r.defaultValue : JSON.stringify(r.defaultValue).replace(/^"(-?[0-9.]+|true|false)"$/, '$1');
    out.push(`# ${'  '.repeat(depth)}${leaf}: ${value}${' '.repeat(Math.max(1, 40 - 2 * depth - leaf.length - value.length))}# ${r.description.replace(/\s+/g, ' ')}`);
  }
  return `${out.join('\n')}\n`;
}

/** The Markdown table of every config key. */
export function renderConfigTable(schema: z.ZodType, labels?: WeakMap<object, string>): string {
  const rows: Row[] = [];
  walk(schema as AnySchema, '', rows, labels);
  const cell = (t: string) => t.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const lines = ['| key | type | default | meaning |', '|---|---|---|---|'];
  for (const r of rows) {
    lines.push(`| \`${r.key}\` | ${r.type} | ${r.defaultValue === '' ? '' : `\`${cell(r.defaultValue)}\``} | ${cell(r.description)} |`);
  }
  return lines.join('\n');
}
