/**
 * A call's arguments as the tap records them when the user opted in (`tap.record_arguments`): secrets out
 * (values under keys that name one, as for hub payloads, and values shaped like one wherever they sit),
 * then cut to MAX_ARGUMENTS_BYTES of JSON with a marker saying how much there was. Input is hostile: the walk
 * stops at a depth, a node count and a number of characters (what could never be recorded is never
 * scanned, so the patterns run on a few KB at most).
 */
import { MAX_ARGUMENTS_BYTES } from '../model/calls.js';
import { REDACTED, SECRET_KEY } from '../sources/sse-redact.js';

/** Keys whose values are secrets: the hub payloads' list, and what else tools take credentials as. */
const SECRET_ARGUMENT_KEY = new RegExp(`${SECRET_KEY.source}|passw|passphrase|cookie|credential|session_?id|private`, 'i');

/** Values shaped like a secret, wherever they appear in a string. */
const SECRET_VALUE = new RegExp([
  /\b(?:bearer|basic|token)\s+[A-Za-z0-9._~+/=-]{8,}/.source, // an Authorization header's value
  /\beyJ[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]*/.source, // a JWT
  /\b(?:sk|pk|rk)-[A-Za-z0-9_-]{16,}/.source, // OpenAI, Anthropic, Stripe-style keys
  /\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|glpat-[A-Za-z0-9_-]{20,}|xox[abprs]-[A-Za-z0-9-]{10,}|AKIA[0-9A-Z]{16}|AIza[0-9A-Za-z_-]{35}|npm_[A-Za-z0-9]{30,})/.source,
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/.source,
  /(?<=\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:)[^/\s@]+(?=@)/.source, // the password in scheme://user:password@host
].join('|'), 'gi');
/** A long run of mixed case and digits is an API key of no known shape; hex ids, UUIDs and paths are not. */
const LONG_RUN = /[A-Za-z0-9_+=-]{32,}/g;
const mixed = (run: string): boolean => /[A-Z]/.test(run) && /[a-z]/.test(run) && /[0-9]/.test(run);

const MAX_DEPTH = 8;
const MAX_NODES = 2_000;
/** Where something was cut: a string past the budget, a level past the depth, the JSON past the cap. */
const CUT = '…[cut]';

interface Budget { nodes: number; chars: number }

/**
 * A string as recorded: within what is left of the budget, secrets replaced. A cut goes back to the last
 * separator, so it never leaves the head of a secret too short to be recognised.
 */
function redactText(text: string, budget: Budget): string {
  const kept = text.length > budget.chars ? `${text.slice(0, lastSeparator(text, budget.chars))}${CUT}` : text;
  budget.chars = Math.max(0, budget.chars - text.length);
  return kept.replace(SECRET_VALUE, REDACTED).replace(LONG_RUN, (run) => (mixed(run) ? REDACTED : run));
}

const TOKEN_CHAR = /[A-Za-z0-9._~+/=-]/;
/** Where a cut at `end` must go so that no token is cut in two: just after the last separator before it. */
function lastSeparator(text: string, end: number): number {
  let i = end;
  while (i > 0 && TOKEN_CHAR.test(text[i - 1]!)) i--;
  return i;
}

function redact(value: unknown, depth: number, budget: Budget): unknown {
  if (--budget.nodes < 0 || budget.chars <= 0) return CUT;
  if (typeof value === 'string') return redactText(value, budget);
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= MAX_DEPTH) return CUT;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const v of value) {
      if (budget.nodes <= 0 || budget.chars <= 0) break;
      out.push(redact(v, depth + 1, budget));
    }
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    if (budget.nodes <= 0 || budget.chars <= 0) break;
    const name = redactText(key, budget);
    const v = SECRET_ARGUMENT_KEY.test(key) ? REDACTED : redact((value as Record<string, unknown>)[key], depth + 1, budget);
    // defineProperty: a key named "__proto__" stays data.
    Object.defineProperty(out, name, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/**
 * The arguments as recorded: redacted JSON of at most MAX_ARGUMENTS_BYTES (UTF-8), ending in `…[cut]` when
 * it was longer (the record's requestBytes says how long the request was); undefined when there are none.
 */
export function recordedArguments(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  // Twice the cap in characters: enough to fill the cap after redactions shortened some of it.
  const json = JSON.stringify(redact(value, 0, { nodes: MAX_NODES, chars: 2 * MAX_ARGUMENTS_BYTES })) ?? 'null';
  const bytes = Buffer.byteLength(json);
  if (bytes <= MAX_ARGUMENTS_BYTES) return json;
  // Cut on a character boundary: a partial UTF-8 sequence decodes to U+FFFD, dropped.
  return Buffer.from(json).subarray(0, MAX_ARGUMENTS_BYTES - Buffer.byteLength(CUT)).toString('utf8').replace(/\uFFFD+$/, '') + CUT;
}
