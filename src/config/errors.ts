/** User-facing errors: each has a class and a stable code, says where, what and what next, and exits 3. */

export class UsageError extends Error {
  readonly code: string = 'USAGE';
}

/** `<file>: <key path>: <what is wrong> (got <value>). <what to do>.` */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(readonly file: string, readonly key: string, problem: string, hint = '') {
    super(`${file}: ${key ? `${key}: ` : ''}${problem}${hint ? `. ${hint}` : ''}`);
  }
}

/** Shows a config value in an error without dumping a huge or multi-line one. */
export function showValue(v: unknown): string {
  let s: string;
  try {
    s = typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
