/** Byte sizes as users write them (`500MB`, `1GiB`, `64KB`), parsed without zod. Decimal and binary units. */

const UNITS: Record<string, number> = {
  b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4,
};

export const BYTES_HINT = 'Write a number and a unit: 64KB, 100MB, 1GB (or KiB, MiB, GiB)';

/** Parses a byte size to bytes; undefined when it is not one. */
export function parseBytes(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]+)$/i.exec(text.trim());
  if (!m) return undefined;
  const unit = UNITS[(m[2] as string).toLowerCase()];
  return unit === undefined ? undefined : Math.round(Number(m[1]) * unit);
}

/** Formats bytes for people: 1536 → "1.5 KiB". */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (Math.abs(v) >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${i === 0 ? v : Number(v.toFixed(1))} ${units[i]}`;
}
