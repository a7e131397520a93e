/**
 * The config's docs, generated from the schema's JSON Schema (`z.toJSONSchema`, input side: keys, types and
 * defaults as the user writes them; meanings from `.describe()`), so they cannot drift from validation: the
 * README table (`npm run docs:config` rewrites it; a test fails when they differ) and the commented
 * template `setup` writes.
 */
import type { z } from 'zod';
import { inputJsonSchema, KEYS_KEYWORD, typeName, type JsonSchema } from './json-schema.js';

export interface Row {
  key: string;
  type: string;
  defaultValue: string;
  description: string;
  /** Must be written (a field of a list item); no default. */
  required: boolean;
  /** Optional without a default: absent means something of its own, so the template leaves it unset. */
  unset: boolean;
  /** One of a family of keys (`<rule id>`), which the template writes as its map. */
  generic: boolean;
  /** For a map keyed by ids: every id's own defaults (the template writes them). */
  keyedDefaults?: Record<string, Record<string, unknown>>;
}

const shown = (v: unknown): string => (v === undefined ? '' : JSON.stringify(v).replace(/^"|"$/g, ''));

/** Per id of a keyed object, its fields that have a default, e.g. `{"servers.down":{"enabled":false}}`. */
function keyedDefaults(s: JsonSchema): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [id, v] of Object.entries(s.properties ?? {})) {
    const set = Object.entries(v.properties ?? {}).filter(([, f]) => f.default !== undefined);
    if (set.length > 0) out[id] = Object.fromEntries(set.map(([k, f]) => [k, f.default]));
  }
  return out;
}

interface Place { key: string; required: boolean; generic: boolean }

function walk(s: JsonSchema, at: Place, rows: Row[]): void {
  const row = (type: string, defaultValue: string, unset = false) => rows.push({
    key: at.key, type, defaultValue, description: s.description ?? '', required: at.required, unset, generic: at.generic,
  });
  const fields = (of: JsonSchema, prefix: string, generic: boolean) => {
    for (const [k, v] of Object.entries(of.properties ?? {})) {
      walk(v, { key: prefix ? `${prefix}.${k}` : k, required: of.required?.includes(k) ?? false, generic }, rows);
    }
  };
  const keys = s[KEYS_KEYWORD];
  if (keys) {
    // The map, its fields once (every id has the same), then the ids whose own defaults differ.
    const own = keyedDefaults(s);
    rows.push({ key: at.key, type: `map of ${keys} to settings`, defaultValue: '', description: s.description ?? '', required: false, unset: false, generic: false, keyedDefaults: own });
    const [shape] = Object.values(s.properties ?? {});
    if (shape) fields({ ...shape, properties: Object.fromEntries(Object.entries(shape.properties ?? {}).map(([k, v]) => [k, { ...v, default: undefined }])) }, `${at.key}.<${keys}>`, true);
    for (const [id, set] of Object.entries(own)) {
      for (const k of Object.keys(set)) walk(s.properties![id]!.properties![k]!, { key: `${at.key}.${JSON.stringify(id)}.${k}`, required: false, generic: true }, rows);
    }
    return;
  }
  if (s.type === 'object' && s.properties) {
    if (at.key && s.default === undefined && !at.required) row('object', '', true);
    fields(s, at.key, at.generic);
    return;
  }
  if (s.type === 'array' && s.items?.type === 'object' && s.items.properties) {
    row('list of objects', shown(s.default));
    fields(s.items, `${at.key}[]`, at.generic);
    return;
  }
  row(typeName(s), shown(s.default));
}

/** Every config key with its type, default and meaning, in schema order. */
export function configRows(schema: z.ZodType): Row[] {
  const rows: Row[] = [];
  walk(inputJsonSchema(schema), { key: '', required: false, generic: false }, rows);
  return rows;
}

/**
 * A commented default config file: every key, commented out, with its default and meaning — what `setup`
 * writes, so a user uncomments what they change and the rest stays default.
 */
export function renderConfigTemplate(schema: z.ZodType): string {
  const out = [
    '# mcp-hub-monitor configuration (YAML). Every key is optional: the values shown are the defaults.',
    '# Uncomment a line (and its parent keys) to change it. Reference: the README\'s configuration table.',
    '',
  ];
  const open: string[] = [];
  const unset: string[] = [];
  for (const r of configRows(schema)) {
    // List items are described by their list, a family of keys by its map, an unset block by its own line.
    if (r.key.includes('[]') || r.generic || unset.some((u) => r.key.startsWith(`${u}.`))) continue;
    const parts = r.key.split('.');
    let depth = 0;
    while (depth < open.length && depth < parts.length - 1 && open[depth] === parts[depth]) depth++;
    open.length = depth;
    for (; depth < parts.length - 1; depth++) {
      out.push(`# ${'  '.repeat(depth)}${parts[depth]}:`);
      open.push(parts[depth]!);
    }
    const leaf = parts[parts.length - 1]!;
    // A number with no default (unset means "ask the environment"): shown, but uncommenting keeps it unset.
    if (r.unset || (r.defaultValue === '' && /^(number|integer)/.test(r.type))) {
      // No default value to show: uncommenting the block must leave it unset (absent means something).
      unset.push(r.key);
      out.push(`# ${'  '.repeat(depth)}# ${leaf}:  (unset) ${r.description.replace(/\s+/g, ' ')}`);
      continue;
    }
    const line = (d: number, key: string, value: string, description: string) => {
      const text = `${key}:${value ? ` ${value}` : ''}`;
      out.push(`# ${'  '.repeat(d)}${text}${' '.repeat(Math.max(1, 42 - 2 * d - text.length))}# ${description.replace(/\s+/g, ' ')}`);
    };
    if (r.keyedDefaults !== undefined) {
      line(depth, leaf, '', r.description);
      for (const [id, set] of Object.entries(r.keyedDefaults)) {
        out.push(`# ${'  '.repeat(depth + 1)}${id}:`);
        for (const [k, v] of Object.entries(set)) out.push(`# ${'  '.repeat(depth + 2)}${k}: ${JSON.stringify(v)}`);
      }
      continue;
    }
    const value = r.defaultValue === '' ? (r.type.startsWith('list') ? '[]' : '""') : /^[\[{]/.test(r.defaultValue) ? r.defaultValue : JSON.stringify(r.defaultValue).replace(/^"(-?[0-9.]+|true|false)"$/, '$1');
    line(depth, leaf, value, r.description);
  }
  return `${out.join('\n')}\n`;
}

/** The Markdown table of every config key. */
export function renderConfigTable(schema: z.ZodType): string {
  const cell = (t: string) => t.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const lines = ['| key | type | default | meaning |', '|---|---|---|---|'];
  for (const r of configRows(schema)) {
    const dflt = r.required ? '*required*' : r.defaultValue === '' ? '' : `\`${cell(r.defaultValue)}\``;
    lines.push(`| \`${r.key}\` | ${r.type} | ${dflt} | ${cell(r.description)} |`);
  }
  return lines.join('\n');
}
