/**
 * The metric names a PromQL expression reads — enough of a lexer for the export test to check that the
 * exported rules, SLOs and dashboard only query what the daemon's /metrics serves (a test's tool, not the
 * product's). Grafana variables ($hub, ${DS}, $__rate_interval) and Sloth's {{.window}} are accepted where
 * PromQL has a duration or a string.
 */

const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'inf', 'nan', 'offset']);

/** Metric names read by `expr`, sorted and unique (functions, label names and keywords excluded). */
export function metricNames(expr: string): string[] {
  const s = expr
    .replace(/\{\{[^}]*\}\}/g, '5m') // Sloth's {{.window}}
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""') // string literals (label values, regexes)
    .replace(/\{[^}]*\}/g, ' ') // label matchers
    .replace(/\[[^\]]*\]/g, ' ') // range and subquery selectors
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/gi, ' ') // label lists
    .replace(/\boffset\s+-?[\w$]+/gi, ' ')
    .replace(/\$\{[^}]*\}|\$\w+/g, ' ') // Grafana variables
    .replace(/(^|[^\w:.])\d+(\.\d+)?([eE][+-]?\d+)?(?![\w:])/g, '$1 ') // numbers
    .replace(/\b0x[0-9a-f]+\b/gi, ' ');
  const names = new Set<string>();
  for (const m of s.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const after = s.slice(m.index! + m[0].length);
    if (/^\s*\(/.test(after)) continue; // a function or aggregation
    if (KEYWORDS.has(m[0].toLowerCase())) continue;
    names.add(m[0]);
  }
  return [...names].sort();
}

/** The metric a Grafana `label_values(metric, label)` variable query reads, if it names one. */
export function labelValuesMetric(query: string): string | undefined {
  return /^\s*label_values\(\s*([A-Za-z_:][A-Za-z0-9_:]*)\s*(?:\{[^}]*\})?\s*,/.exec(query)?.[1];
}
