import fc from 'fast-check';
import { expect, test } from 'vitest';
import { csvField, toCsv } from './csv.js';

/** A minimal RFC 4180 reader, to check that what we write reads back to the same cells. */
function readCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i++; } else if (c === '"') quoted = false; else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(cell); cell = ''; } else if (c === '\r' && text[i + 1] === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; i++; } else cell += c;
  }
  return rows;
}

test.each([
  ['plain', 'plain'],
  ['a,b', '"a,b"'],
  ['say "hi"', '"say ""hi"""'],
  ['line\nbreak', '"line\nbreak"'],
  ['=HYPERLINK("http://evil")', `"'=HYPERLINK(""http://evil"")"`],
  ['@SUM(A1)', "'@SUM(A1)"],
  [-5, '-5'],
  [null, ''],
])('csvField(%j) is %s', (input, expected) => {
  expect(csvField(input)).toBe(expected);
});

test('property: any row of strings reads back cell for cell (formula guard aside) and keeps its shape', () => {
  fc.assert(fc.property(fc.array(fc.string(), { minLength: 1, maxLength: 5 }), (cells) => {
    const back = readCsv(toCsv(['a'], [cells]));
    expect(back).toHaveLength(2);
    expect(back[1]).toEqual(cells.map((c) => (/^[=+\-@\t\r]/.test(c) ? `'${c}` : c)));
  }));
});
