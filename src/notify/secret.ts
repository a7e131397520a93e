/**
 * Secrets in receiver config (webhook URLs, tokens, passwords) and their redaction. A secret can be written
 * inline, as `env:NAME` or as `file:/path`, so a config file can be shared without it. Every text a channel
 * returns or logs goes through `redactSecrets`, and once more through the redactor `createNotifier` wraps
 * every channel in, which knows every form a secret travels in (faults C10, F6; Alertmanager's
 * `AssertNotifyLeaksNoSecret`).
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { TYPE_KEYWORD } from '../config/json-schema.js';
import type { NotifierLogger } from './types.js';

/** What a redacted secret is replaced with. */
export const REDACTED = '<redacted>';

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
  return z.string().min(1, { message: 'empty secret. Write the value, env:NAME or file:/path' })
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
    })
    // Marks the key in the channel's JSON Schema: secretsOf finds the values to redact by it, the docs show it.
    .meta({ [TYPE_KEYWORD]: 'secret' });
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

/** How a value looks base64-encoded, as an `Authorization: Basic` header or an SMTP AUTH carries it: padded, unpadded, URL-safe. */
export function base64Forms(value: string): string[] {
  const b64 = Buffer.from(value, 'utf8').toString('base64');
  return [b64, b64.replace(/=+$/, ''), Buffer.from(value, 'utf8').toString('base64url')];
}

/**
 * The URL's parts that carry its secret: the whole URL, the path, query, token-like path segments, query
 * values, and the userinfo in every form it travels in. Node sends `user:pass@` as `Authorization: Basic
 * base64(decoded user:decoded pass)`, which a receiver may echo back (faults F6).
 */
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
  if (u.username || u.password) {
    const user = decodeURIComponentSafe(u.username);
    const pass = decodeURIComponentSafe(u.password);
    parts.push(`${u.username}:${u.password}`, `${user}:${pass}`, ...base64Forms(`${user}:${pass}`), ...base64Forms(`${u.username}:${u.password}`));
    if (u.password) parts.push(u.password, pass, encodeURIComponent(pass), ...base64Forms(pass));
    // A user alone (`https://TOKEN@host`) or a token-like one is the credential; a short word ("admin") is not.
    if (!u.password || tokenLike(user)) parts.push(u.username, user, encodeURIComponent(user), ...base64Forms(user));
  }
  return parts;
}

/**
 * The credential in a URL that is not itself a secret (an ntfy or PagerDuty `url` with `user:pass@`): `user:pass`
 * as written and decoded, and the password (or a lone user); nothing for a URL without userinfo.
 */
export function urlUserinfo(text: string): string[] {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    return [];
  }
  if (!u.username && !u.password) return [];
  const user = decodeURIComponentSafe(u.username);
  const pass = decodeURIComponentSafe(u.password);
  return [`${u.username}:${u.password}`, `${user}:${pass}`, u.password ? pass : user];
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * Every form a secret can take in a text we store or print: as written, URL-encoded, base64 (padded,
 * unpadded, URL-safe), and for a URL its parts and userinfo (above). Derived once per receiver.
 */
export function secretForms(secret: string): string[] {
  if (!secret) return [];
  return [secret, encodeURIComponent(secret), ...base64Forms(secret), ...urlParts(secret)];
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A function replacing every secret with `<redacted>`: each of its forms (secretForms), derived once here.
 * Any `user:pass@` in a URL is redacted too, secret or not. Forms under 4 characters are not searched for:
 * they would garble every text.
 */
export function secretRedactor(secrets: readonly string[]): (text: string) => string {
  const needles = new Set<string>();
  for (const s of secrets) for (const f of secretForms(s)) needles.add(f);
  // Longest first, so a whole URL is replaced before its parts.
  const sorted = [...needles].filter((n) => n.length >= 4).sort((a, b) => b.length - a.length);
  const pattern = sorted.length > 0 ? new RegExp(sorted.map(escapeRe).join('|'), 'g') : undefined;
  return (text) => (pattern ? text.replace(pattern, REDACTED) : text).replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^\s/@]*@/gi, `$1${REDACTED}@`);
}

/** `text` with every form of every secret replaced by `<redacted>` (see secretRedactor). */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  return secretRedactor(secrets)(text);
}

/**
 * A logger whose every string (message, field values at any depth, an Error's message) is redacted first:
 * what a channel logs cannot carry a secret, whatever it put there.
 */
export function redactingLogger(log: NotifierLogger, redact: (text: string) => string): NotifierLogger {
  const clean = (v: unknown, depth = 0): unknown => {
    if (typeof v === 'string') return redact(v);
    if (depth > 8 || v === null || typeof v !== 'object') return v;
    if (v instanceof Error) return { type: v.name, message: redact(v.message) };
    if (Array.isArray(v)) return v.map((x) => clean(x, depth + 1));
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, clean(x, depth + 1)]));
  };
  const wrap = (fn: NotifierLogger['info']): NotifierLogger['info'] => (obj, msg) => fn.call(log, clean(obj) as object, msg === undefined ? undefined : redact(msg));
  return { info: wrap(log.info), warn: wrap(log.warn), error: wrap(log.error) };
}
