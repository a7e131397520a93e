/**
 * Timestamps of JSON log lines. Both the hub (`timestamp`) and pino (`time`) write `toISOString()` form,
 * `2026-11-24T19:24:16.632Z`; Date.parse on it cost more than everything else done to a line, so that one
 * shape is read by hand, with plain arithmetic. Everything else goes to Date.parse, so the answer is
 * always Date.parse's (log-classify.test.ts checks the two agree).
 */

/** Two decimal digits at `i` as a number, or -1. */
function d2(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/** Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (H. Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Epoch ms of a date-time string as Date.parse reads it, or undefined when it reads none. */
export function parseIso(s: string): number | undefined {
  if (s.length === 24 && s.charCodeAt(23) === 90 /* Z */ && s.charCodeAt(10) === 84 /* T */ && s.charCodeAt(4) === 45
    && s.charCodeAt(7) === 45 && s.charCodeAt(13) === 58 && s.charCodeAt(16) === 58 && s.charCodeAt(19) === 46) {
    const hi = d2(s, 0), lo = d2(s, 2), mo = d2(s, 5), d = d2(s, 8);
    const h = d2(s, 11), mi = d2(s, 14), sec = d2(s, 17), ms1 = d2(s, 20), ms2 = s.charCodeAt(22) - 48;
    const y = hi * 100 + lo;
    const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
    const monthDays = mo >= 1 && mo <= 12 ? (DAYS_IN_MONTH[mo - 1] as number) + (mo === 2 && leap ? 1 : 0) : 0;
    // Out-of-range fields (Feb 30, 24:00, 60 s) are Date.parse's to judge: it rolls some over, rejects others.
    if (hi >= 0 && lo >= 0 && d >= 1 && d <= monthDays && h >= 0 && h <= 23 && mi >= 0 && mi <= 59
      && sec >= 0 && sec <= 59 && ms1 >= 0 && ms2 >= 0 && ms2 <= 9) {
      return daysFromCivil(y, mo, d) * 86_400_000 + h * 3_600_000 + mi * 60_000 + sec * 1000 + ms1 * 10 + ms2;
    }
  }
  const t = Date.parse(s);
  return Number.isFinite(t) ? t : undefined;
}
