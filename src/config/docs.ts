/**
 * Generates the README's configuration table from the zod schema's `.describe()` texts and defaults, so
 * the docs cannot drift from validation (vitest's cli-config idea). `npm run docs:config` rewrites the
 * README section; a test fails when they differ.
 */
import type { z } from 'zod';

interface Row {
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
