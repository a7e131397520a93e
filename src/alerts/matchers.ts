/**
 * Label matchers as Alertmanager writes them: `name=value`, `name!=value`, `name=~regex`, `name!~regex`
 * (regexes anchored at both ends). Used by silences and maintenance windows.
 */
import type { Matcher } from '../store/alert-store.js';

const MATCHER = /^([a-z_][a-z0-9_]*)(=~|!~|!=|=)(.*)$/s;

/** Parses one matcher; throws an Error naming the problem. Quotes around the value are optional. */
export function parseMatcher(text: string): Matcher {
  const m = MATCHER.exec(text.trim());
  if (!m) throw new Error(`not a matcher: ${JSON.stringify(text)}. Write name=value, name!=value, name=~regex or name!~regex`);
  const [, name, op, raw] = m as unknown as [string, string, string, string];
  const value = /^".*"$/s.test(raw) ? raw.slice(1, -1) : raw;
  const regex = op === '=~' || op === '!~';
  if (regex) {
    try {
      new RegExp(`^(?:${value})$`);
    } catch (err) {
      throw new Error(`not a regular expression in ${JSON.stringify(text)}: ${(err as Error).message}`);
    }
  }
  return { name, value, regex, negative: op.startsWith('!') };
}

/** Whether labels satisfy every matcher (an absent label is ""). */
export function matchesAll(labels: Record<string, string>, matchers: readonly Matcher[]): boolean {
  return matchers.every((m) => {
    const v = Object.prototype.hasOwnProperty.call(labels, m.name) ? labels[m.name] ?? '' : '';
    const hit = m.regex ? new RegExp(`^(?:${m.value})$`).test(v) : v === m.value;
    return m.negative ? !hit : hit;
  });
}

/** `name=value` form for display. */
export function formatMatcher(m: Matcher): string {
  const op = m.regex ? (m.negative ? '!~' : '=~') : (m.negative ? '!=' : '=');
  return `${m.name}${op}${JSON.stringify(m.value)}`;
}
