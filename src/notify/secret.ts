/**
 * Secrets in receiver config (webhook URLs, tokens, passwords) and their redaction. A secret can be written
 * inline, as `env:NAME` or as `file:/path`, so a config file can be shared without it. Every text a channel
 * returns or logs goes through `redactSecrets` (faults C10, Alertmanager's `AssertNotifyLeaksNoSecret`).
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** What a redacted secret is replaced with. */
export const REDACTED = '<redacted>';

// zod's `.describe()`, `.optional()` and `.default()` clone a schema but share its `_zod.def`, so the def is
// what marks a schema as a secret through every wrapper.
const secretDefs = new WeakSet<object>();

/** True when `schema` is a `secret()` (its describe/optional clones included). */
export function isSecretSchema(schema: unknown): boolean {
  const def = (schema as { _zod?: { def?: object } } | undefined)?._zod?.def;
  return def !== undefined && secretDefs.has(def);
}

/** Resolves `env:NAME`, `file:/path` or an inline value; throws a message that names what is missing. */
export function resolveSecret(value: string): string {
  if (value.startsWith('env:')) {
    const name = value.slice(4);
    const v = process.env[name];
    if (v === undefined || v === '') throw new Error(`environment variable ${name} is not set`);
    return v;
  }
  if (value.startsWith('file:')) {
    const path = value.slice(5);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new Error(`cannot read secret file ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    const v = text.trim();
    if (v === '') throw new Error(`secret file ${path} is empty`);
    return v;
  }
  return value;
}

/** The zod type of a secret: a string, `env:NAME` (read at parse time) or `file:/path` (read, trimmed). */
export function secret() {
  return secretType(false);
}

/** A secret that must resolve to an http(s) URL (webhook and Slack URLs carry their token in the path). */
export function secretUrl() {
  return secretType(true);
}

function isHttpUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

function secretType(url: boolean) {
  const schema = z.string().min(1, { message: 'empty secret. Write the value, env:NAME or file:/path' })
    .transform((value, ctx) => {
      let resolved: string;
      try {
        resolved = resolveSecret(value);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
      // The value is a secret: the message must not quote it.
      if (url && !isHttpUrl(resolved)) {
        ctx.addIssue({ code: 'custom', message: 'not an http(s) URL (value not shown: it is a secret). Write e.g. https://hooks.example/…' });
        return z.NEVER;
      }
      return resolved;
    });
  secretDefs.add(schema._zod.def);
  return schema;
}

/** Keeps only `scheme://host[:port]` of a URL, then `/<redacted>`; anything unparsable becomes `<redacted>`. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}/${REDACTED}`;
  } catch {
    return REDACTED;
  }
}

// Path segments that look like tokens: long, or carrying a digit. Short words ("hooks", "v2") are left
// readable; the whole path is always redacted.
const tokenLike = (seg: string) => seg.length >= 16 || (seg.length >= 6 && /\d/.test(seg));

function urlParts(secret: string): string[] {
  let u: URL;
  try {
    u = new URL(secret);
  } catch {
    return [];
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return [];
  const parts = [u.href, u.href.replace(/^[a-z]+:\/\//, ''), u.pathname + u.search, u.search.slice(1)];
  if (u.pathname.length > 1) parts.push(u.pathname);
  for (const seg of u.pathname.split('/')) if (tokenLike(seg)) parts.push(seg, decodeURIComponentSafe(seg));
  for (const [, v] of u.searchParams) if (v.length >= 4) parts.push(v);
  if (u.password) parts.push(u.password, decodeURIComponentSafe(u.password));
  return parts;
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Replaces every secret in `text` with `<redacted>`: each value as written and URL-encoded, and for a URL
 * also its path, query, token-like path segments, query values and password. Any `user:pass@` in a URL is
 * redacted too, secret or not. Secrets under 4 characters are not searched for: they would garble every text.
 */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  const needles = new Set<string>();
  for (const s of secrets) {
    if (!s) continue;
    needles.add(s);
    needles.add(encodeURIComponent(s));
    for (const p of urlParts(s)) needles.add(p);
  }
  // Longest first, so a whole URL is replaced before its parts.
  const sorted = [...needles].filter((n) => n.length >= 4).sort((a, b) => b.length - a.length);
  let out = text;
  if (sorted.length > 0) out = out.replace(new RegExp(sorted.map(escapeRe).join('|'), 'g'), REDACTED);
  return out.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^\s/@]*@/gi, `$1${REDACTED}@`);
}
