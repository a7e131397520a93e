/**
 * Secrets out of hub payloads before anything stores or shows them (faults D14): `config_changed` carries
 * the raw config, `env` values included, and the fork's config adds `llmCategorization.apiKey`.
 */
import { isRecord } from '../model/json.js';

export const REDACTED = '<redacted>';

/** Keys whose values are secrets, wherever they sit. */
export const SECRET_KEY = /key|token|secret|password|authorization/i;

/**
 * Defines an own property even for the key "__proto__": plain assignment would set the prototype of
 * `out` instead (faults D6), so a parsed `{"__proto__": …}` stays data.
 */
function define(out: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
}

function redactEnv(env: unknown): unknown {
  if (!isRecord(env)) return REDACTED;
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(env)) define(out, name, REDACTED); // variable names stay, values go
  return out;
}

function copy(value: unknown, verbatim: ReadonlySet<string> | undefined): unknown {
  if (Array.isArray(value)) return value.map((v) => copy(v, undefined));
  if (!isRecord(value)) return value;
  const out: Record<string, unknown> = {};
  // Object.keys: own enumerable keys only, so nothing is read through the prototype chain.
  for (const key of Object.keys(value)) {
    const v = value[key];
    if (verbatim?.has(key)) define(out, key, v);
    else if (key === 'env') define(out, key, redactEnv(v));
    else if (SECRET_KEY.test(key)) define(out, key, REDACTED);
    else define(out, key, copy(v, undefined));
  }
  return out;
}

/**
 * Returns a copy of `value` in which every `env` object's values and every value under a key matching
 * SECRET_KEY are `<redacted>`, at any depth. The input is never mutated. Top-level keys in `verbatim` are
 * passed through untouched: tool schemas are descriptions, not secrets, and a property named `api_key`
 * in an `inputSchema` must survive for the tool diff.
 */
export function redactSecrets(value: unknown, verbatim?: ReadonlySet<string>): unknown {
  return copy(value, verbatim);
}
