/** JSON output that stays safe when piped to a terminal: see escapeUnsafeJson (the daemon's log and the command receiver's stdin share it). */
import { escapeUnsafeJson } from '../model/json.js';

/** JSON.stringify, pretty-printed, with terminal-unsafe characters escaped. */
export function toSafeJson(value: unknown): string {
  return escapeUnsafeJson(JSON.stringify(value, null, 2));
}
