/**
 * The value types of the config schema that are more than a zod primitive: durations and byte sizes written
 * with a unit (parsed to milliseconds and bytes), cron patterns, label matchers. Each carries `x-type` in its
 * JSON Schema, which the docs show as its type.
 */
import { Cron } from 'croner';
import { z } from 'zod';
import { BYTES_HINT, parseBytes } from './bytes.js';
import { DURATION_HINT, parseDuration } from './duration.js';
import { TYPE_KEYWORD } from './json-schema.js';

/** A duration written with a unit (`30s`, `5m`); parsed to milliseconds. */
export const duration = () => z.string({ error: `not a duration. ${DURATION_HINT}` })
  .refine((s) => parseDuration(s) !== undefined, { message: `not a duration. ${DURATION_HINT}` })
  .transform((s) => parseDuration(s) as number)
  .meta({ [TYPE_KEYWORD]: 'duration' });

/** A byte size written with a unit (`100MB`, `1GiB`); parsed to bytes. */
export const byteSize = () => z.string({ error: `not a byte size. ${BYTES_HINT}` })
  .refine((s) => parseBytes(s) !== undefined, { message: `not a byte size. ${BYTES_HINT}` })
  .transform((s) => parseBytes(s) as number)
  .meta({ [TYPE_KEYWORD]: 'byte size' });

/** A cron pattern (5 or 6 fields, as croner reads it), or '' for "never". */
export const cron = () => z.string().refine((s) => {
  if (s === '') return true;
  try {
    new Cron(s, { paused: true }).stop();
    return true;
  } catch {
    return false;
  }
}, { message: 'not a cron pattern. Write five fields: minute hour day-of-month month day-of-week, e.g. "0 2 * * 0"' })
  .meta({ [TYPE_KEYWORD]: 'cron' });

/** A label matcher: name=value, name!=value, name=~regex, name!~regex. */
export const matcher = () => z.string()
  .refine((m) => /^[a-z_]+(=~|!~|!=|=)/.test(m), { message: 'not a matcher. Write name=value, name!=value, name=~regex or name!~regex' })
  .meta({ [TYPE_KEYWORD]: 'matcher' });

/** A percentage, 0–100, with its default and meaning. */
export const percent = (dflt: number, what: string) => z.number().min(0).max(100).default(dflt).describe(what);
