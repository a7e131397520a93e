/**
 * Loads the YAML config. An absent default file means defaults, without loading yaml or zod (the lean
 * `check` path); an explicit `--config` that does not exist is an error. Every problem becomes a
 * ConfigError naming the file, the key path and the fix.
 */
import { readFileSync } from 'node:fs';
import { RULE_IDS } from '../alerts/rule-ids.js';
import { defaultConfig, type MonitorConfig } from './defaults.js';
import { ConfigError, showValue } from '../errors.js';

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let cur = data;
  for (const key of path) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = Object.prototype.hasOwnProperty.call(cur, key) ? (cur as Record<PropertyKey, unknown>)[key] : undefined;
  }
  return cur;
}

function keyPath(path: readonly PropertyKey[]): string {
  return path.map((k, i) => (typeof k === 'number' ? `[${k}]` : `${i ? '.' : ''}${String(k)}`)).join('') || '(top level)';
}

/** Edit distance, for suggesting the rule id a typo meant. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}

function ruleIdHint(typo: string): string {
  const [best] = RULE_IDS.map((id) => ({ id, d: distance(typo, id) })).sort((x, y) => x.d - y.d);
  if (best && best.d <= 3) return `Did you mean ${JSON.stringify(best.id)}?`;
  return `Rule ids: ${RULE_IDS.join(', ')}`;
}

/** Each receiver through the notifier registry's schema (loaded only when receivers are configured). */
async function parseReceivers(file: string, raw: Record<string, unknown>): Promise<MonitorConfig['alerting']['receivers']> {
  const out: MonitorConfig['alerting']['receivers'] = {};
  const names = Object.keys(raw);
  if (names.length === 0) return out;
  const { receiverSchema } = await import('../notify/index.js');
  for (const name of names) {
    const r = receiverSchema.safeParse(raw[name]);
    if (!r.success) {
      const issue = r.error.issues[0]!;
      const where = ['alerting', 'receivers', name, ...issue.path.map(String)].join('.');
      const problem = issue.code === 'unrecognized_keys' ? `unknown key ${showValue(issue.keys[0])}` : issue.message.replace(/^Invalid input: /, '');
      throw new ConfigError(file, where, problem, 'See the receivers tables in docs/receivers.md');
    }
    out[name] = r.data as MonitorConfig['alerting']['receivers'][string];
  }
  return out;
}

async function resolveToken(file: string, raw: string, key = 'http.token'): Promise<string> {
  if (!raw) return '';
  const { resolveSecret } = await import('../notify/secret.js');
  try {
    return resolveSecret(raw);
  } catch (err) {
    throw new ConfigError(file, key, (err as Error).message, 'Set the variable or fix the path');
  }
}

/** Each OTLP header value through the secret resolver (`env:NAME`, `file:/path`). */
async function resolveHeaders(file: string, raw: Record<string, string>): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) out[name] = await resolveToken(file, value, `otel.headers.${name}`);
  return out;
}

/** Reads and validates a config file; `explicit` says the user named it (so absence is an error). */
export async function loadConfig(file: string, explicit: boolean): Promise<MonitorConfig> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !explicit) return defaultConfig();
    const why = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory' : `cannot read (${code})`;
    throw new ConfigError(file, '', why, explicit ? 'Check the --config path' : '');
  }
  const YAML = await import('yaml');
  const doc = YAML.parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    const where = e.linePos?.[0] ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '(YAML)';
    const first = (e.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
    throw new ConfigError(file, where, `invalid YAML: ${first}`, 'Fix the syntax');
  }
  const data: unknown = doc.toJS() ?? {};
  const { configSchema } = await import('./schema.js');
  const result = configSchema.safeParse(data);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    if (issue.code === 'unrecognized_keys') {
      const key = keyPath([...issue.path, issue.keys[0] ?? '?']);
      if (keyPath(issue.path) === 'alerting.rules') throw new ConfigError(file, key, 'unknown rule id', ruleIdHint(issue.keys[0] ?? ''));
      throw new ConfigError(file, key, 'unknown key', 'Check the spelling against the configuration table in the README');
    }
    const got = valueAt(data, issue.path);
    const message = issue.message.replace(/^Invalid input: /, '').replace(/^[A-Z](?=[a-z])/, (c) => c.toLowerCase());
    const [problem, ...hint] = message.split('. ');
    throw new ConfigError(file, keyPath(issue.path), `${problem} (got ${got === undefined ? 'nothing' : showValue(got)})`, hint.join('. '));
  }
  const c = result.data;
  const receivers = await parseReceivers(file, c.alerting.receivers);
  for (const sev of ['critical', 'warning', 'info'] as const) {
    (c.alerting.routes?.[sev] ?? []).forEach((step, i) => step.receivers.forEach((name, j) => {
      if (!Object.prototype.hasOwnProperty.call(receivers, name)) {
        throw new ConfigError(file, `alerting.routes.${sev}.${i}.receivers.${j}`, `no receiver named ${showValue(name)}`, `Define it under alerting.receivers (have: ${Object.keys(receivers).join(', ') || 'none'})`);
      }
    }));
  }
  return { ...c, file, alerting: { ...c.alerting, receivers }, http: { ...c.http, token: await resolveToken(file, c.http.token) }, tap: { ...c.tap, token: await resolveToken(file, c.tap.token, 'tap.token') }, otel: { ...c.otel, headers: await resolveHeaders(file, c.otel.headers) } };
}
