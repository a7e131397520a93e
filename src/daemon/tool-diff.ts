/**
 * A semantic diff of two tool lists (`tool_list_changed` carries full tool objects, docs/hub-api.md §3): tools
 * added and removed by name, and tools whose description or input schema changed.
 */
import { isRecord, own } from '../model/json.js';

export interface ToolDiff {
  added: string[];
  removed: string[];
  changed: { name: string; fields: ('description' | 'inputSchema' | 'annotations' | 'title')[] }[];
}

/** JSON with sorted keys, so two equal schemas compare equal whatever their key order. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (isRecord(v)) return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(own(v, k))}`).join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

function byName(tools: readonly unknown[]): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  for (const t of tools) {
    if (isRecord(t) && typeof own(t, 'name') === 'string') out.set(own(t, 'name') as string, t);
  }
  return out;
}

/** Differences from `before` to `after`. */
export function diffTools(before: readonly unknown[], after: readonly unknown[]): ToolDiff {
  const a = byName(before);
  const b = byName(after);
  const diff: ToolDiff = { added: [], removed: [], changed: [] };
  for (const name of b.keys()) if (!a.has(name)) diff.added.push(name);
  for (const name of a.keys()) if (!b.has(name)) diff.removed.push(name);
  for (const [name, tool] of b) {
    const old = a.get(name);
    if (!old) continue;
    const fields = (['description', 'inputSchema', 'annotations', 'title'] as const)
      .filter((f) => canonical(own(old, f)) !== canonical(own(tool, f)));
    if (fields.length) diff.changed.push({ name, fields: [...fields] });
  }
  diff.added.sort();
  diff.removed.sort();
  diff.changed.sort((x, y) => (x.name < y.name ? -1 : 1));
  return diff;
}

/** True when nothing changed. */
export function isEmptyDiff(d: ToolDiff): boolean {
  return d.added.length === 0 && d.removed.length === 0 && d.changed.length === 0;
}
