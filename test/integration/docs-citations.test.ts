/**
 * The repository explains itself: every document, section and fault id that code, tests, benchmarks and
 * scripts cite exists in docs/, and nothing refers to reference material outside the repository (a user's
 * clone has none); docs/faults.md and the test files agree on which tests cover which fault; links and
 * their #anchors resolve; docs/architecture.md lists every event type the daemon stores. The checker lives
 * in test/support/doc-citations.ts; the first tests prove it catches what it should, so a pass below means
 * something.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { EVENT_TYPES } from '../../src/model/events.js';
import { findProblems, headingAnchors, indexDoc, loadDocs, sourceFiles, titleIds, type DocIndex } from '../support/doc-citations.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CHECKER = new Set(['test/support/doc-citations.ts', 'test/integration/docs-citations.test.ts']);
const exists = (path: string) => existsSync(join(ROOT, path));

describe('the checker', () => {
  const docs = new Map<string, DocIndex>([
    ['hub-api', indexDoc('## 1. Process\n### 2.1 Types\n## 6. Crashes\n')],
    ['faults', indexDoc('## 4. Rules\n### 4.4 Confirm\n## 5. Catalogue\n### A. Hub faults\n**A1. Killed.** x\n**A2. Back.** y\n**A11. Lies.** z\n')],
    ['STYLE', indexDoc('## A notifier\n## Tests\n')],
  ]);
  const check = (line: string, file = 'src/x.ts') => findProblems(file, line, docs, () => false).map((p) => p.problem);

  test.each([
    '// the hub lies (docs/hub-api.md §6)',
    '// hub-api.md §2.1 and §1; faults A1–A2, A11',
    '/** faults §4.4, faults §4 item 4 and section A, faults A-series */',
    ' * The contract (STYLE.md "A notifier", faults A1): STYLE.md "Tests": suites',
    '// RFC 9110 §10.2.3 and sqlite.org/howtocorrupt.html §2.2 are someone else\'s',
    '// defaults, mhm-faults-, delivery-faults.test.ts and hub faults it survives are not citations',
  ])('resolves: %s', (line) => {
    expect(check(line)).toEqual([]);
  });

  test.each([
    ['// hub-api.md §7', 'docs/hub-api.md has no section §7'],
    ['// docs/hub-api.md §2.2', 'docs/hub-api.md has no section §2.2'],
    ['// faults §4.5', 'docs/faults.md has no section §4.5'],
    ['// faults §4 item 9', 'docs/faults.md has no section §4.9'],
    ['// faults A3', 'docs/faults.md defines no fault A3'],
    ['// faults A1–A3', 'docs/faults.md defines no fault A3'],
    ['// faults section B', 'docs/faults.md has no section B'],
    ['// STYLE.md "Layout"', 'docs/STYLE.md has no section named "Layout"'],
    ['// DESIGN.md §4', 'cites docs/DESIGN.md, which does not exist'],
    ['// see ARCHITECTURE.md', 'cites ARCHITECTURE.md, which is not in the repository'],
    ['// notes.md §3', 'cites notes.md, which is not in the repository'],
    ['// the fork\'s batches §8', 'a § that belongs to no citation: write docs/<file>.md §N (or the external source) before it'],
    [`const f = '${['..', 'shared', 'faults.md'].join('/')}';`, `refers to ${['..', 'shared'].join('/')}, which a clone of the repository does not have`],
    [`// ${['', 'work', 'shared', 'fixtures'].join('/')}/x.json`, `refers to ${['', 'work', 'shared'].join('/')}, which a clone of the repository does not have`],
  ])('flags: %s', (line, problem) => {
    expect(check(line)).toContain(problem);
  });

  test('heading anchors are GitHub\'s: punctuation dropped, spaces to dashes, repeats numbered, code blocks skipped', () => {
    const page = [
      '# Command reference', '## `check` — one look at each hub, judged against the thresholds', '## `daemon --listen` — `/metrics`, a JSON API',
      "## Operator's path", '```sh', '# not a heading', '```', '### `type: webhook`', '### `type: webhook`',
    ].join('\n');
    expect([...headingAnchors(page)]).toEqual([
      'command-reference', 'check--one-look-at-each-hub-judged-against-the-thresholds', 'daemon---listen--metrics-a-json-api',
      'operators-path', 'type-webhook', 'type-webhook-1',
    ]);
  });

  test('a test title that starts with an undefined fault id is flagged; defined ones, and ids in a title\'s middle, are not', () => {
    expect(check("test('A9 huge body', () => {", 'src/x.test.ts')).toEqual(['the test title names fault A9, which docs/faults.md does not define']);
    expect(check("  ['A1 hub gone', 'refuse'],", 'src/x.test.ts')).toEqual([]);
    expect(check("test('A2/A11 come back', () => {", 'src/x.test.ts')).toEqual([]);
    expect(check("test('=SUM(A9) stays text', () => {", 'src/x.test.ts')).toEqual([]);
  });
});

/** Per fault id, the test files docs/faults.md gives for it: those it says name the id, then those "(by topic)". */
function faultTests(catalogue: string): Map<string, { naming: string[]; byTopic: string[] }> {
  const out = new Map<string, { naming: string[]; byTopic: string[] }>();
  const files = (s: string | undefined) => [...(s ?? '').matchAll(/`((?:src|test)\/[\w/.-]+\.test\.ts)`/g)].map((m) => m[1] as string);
  for (const para of catalogue.split(/\n(?=\*\*[A-F]\d{1,2}\.\s|#)/)) {
    const id = /^\*\*([A-F]\d{1,2})\.\s/.exec(para)?.[1];
    const tests = /\bTests:([\s\S]*)$/.exec(para)?.[1];
    if (!id || tests === undefined) continue;
    const [naming, byTopic] = tests.split(/\(by\s+topic\)/);
    out.set(id, { naming: files(naming), byTopic: files(byTopic) });
  }
  return out;
}

/** The fault ids a citation names: `A11`, `A14–A19`, `E1-E5`; none for a section (`§4.4`, `section D`). */
function idsOf(ref: string): string[] {
  const r = /^([A-F])(\d{1,2})(?:\s*[–-]\s*[A-F]?(\d{1,2}))?$/.exec(ref);
  if (!r) return [];
  const [, letter, from, to] = r as unknown as [string, string, string, string | undefined];
  return Array.from({ length: Number(to ?? from) - Number(from) + 1 }, (_, i) => `${letter}${Number(from) + i}`);
}

describe('the repository', () => {
  const docs = loadDocs(ROOT);
  /** The fault ids `text` cites: `faults A11`, `faults E1–E5`, `docs/faults.md D4`. */
  const faultsCited = (file: string, text: string): string[] => {
    const ids: string[] = [];
    findProblems(file, text, docs, exists, (doc, ref) => { if (doc === 'faults') ids.push(...idsOf(ref)); });
    return ids;
  };
  /** The fault ids `text` names: written out anywhere (`A11`, `(B3)`, `D1/D2`), or inside a cited range. */
  const faultsNamed = (file: string, text: string): Set<string> =>
    new Set([...[...text.matchAll(/(?<![\w.-])([A-F]\d{1,2})(?![\w-])/g)].map((m) => m[1] as string), ...faultsCited(file, text)]);

  test('docs/ holds the four documents code cites, each indexed in docs/README.md', () => {
    expect([...docs.keys()].sort()).toEqual(['DESIGN', 'STYLE', 'faults', 'hub-api']);
    const index = readFileSync(join(ROOT, 'docs/README.md'), 'utf8');
    for (const file of readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md') && f !== 'README.md')) {
      expect(index, `docs/README.md lists ${file}`).toContain(`](${file})`);
    }
  });

  test('every citation in src, test, bench, scripts, web, .ci, the README and the other pages of docs/ resolves; nothing reads outside the repository', () => {
    const files = sourceFiles(ROOT).filter((f) => !CHECKER.has(f));
    expect(files.length).toBeGreaterThan(200);
    const cited = new Map<string, number>();
    const count = (doc: string) => cited.set(doc, (cited.get(doc) ?? 0) + 1);
    const problems = files.flatMap((f) => findProblems(f, readFileSync(join(ROOT, f), 'utf8'), docs, exists, count));
    expect(problems.map((p) => `${p.file}:${p.line}: ${p.problem}\n    ${p.text}`)).toEqual([]);
    // The scan saw the citations the code is known to make: every document, and many fault ids.
    expect(Object.fromEntries(cited)).toMatchObject({ 'hub-api': expect.any(Number), DESIGN: expect.any(Number), STYLE: expect.any(Number) });
    expect(cited.get('faults')).toBeGreaterThan(150);
  });

  test('docs/faults.md defines every id from A1 to F10 once, in order', () => {
    const text = readFileSync(join(ROOT, 'docs/faults.md'), 'utf8');
    const ids = [...text.matchAll(/^\*\*([A-F]\d{1,2})\.\s/gm)].map((m) => m[1]);
    const want = Object.entries({ A: 24, B: 14, C: 14, D: 16, E: 5, F: 10 }).flatMap(([l, n]) => Array.from({ length: n }, (_, i) => `${l}${i + 1}`));
    expect(ids).toEqual(want);
  });

  test('every test file docs/faults.md names exists', () => {
    const text = readFileSync(join(ROOT, 'docs/faults.md'), 'utf8');
    const named = new Set([...text.matchAll(/`((?:src|test)\/[\w/.-]+\.ts)`/g)].map((m) => m[1] as string));
    expect(named.size).toBeGreaterThan(40);
    expect([...named].filter((f) => !exists(f))).toEqual([]);
  });

  test('a test file docs/faults.md gives for an id, other than "(by topic)", names that id (written out, or in a cited range)', () => {
    const catalogue = faultTests(readFileSync(join(ROOT, 'docs/faults.md'), 'utf8'));
    expect(catalogue.size).toBeGreaterThanOrEqual(83); // every scenario has a Tests line
    const wrong = [...catalogue].flatMap(([id, { naming }]) => naming.filter((f) => exists(f) && !faultsNamed(f, readFileSync(join(ROOT, f), 'utf8')).has(id)).map((f) => `${id}: ${f}`));
    expect(wrong).toEqual([]);
  });

  test('a test file whose test title starts with a fault id, or whose header cites one, is listed for that id in docs/faults.md', () => {
    const catalogue = faultTests(readFileSync(join(ROOT, 'docs/faults.md'), 'utf8'));
    const tests = sourceFiles(ROOT).filter((f) => f.endsWith('.test.ts') && !CHECKER.has(f));
    const missing = tests.flatMap((f) => {
      const text = readFileSync(join(ROOT, f), 'utf8');
      const header = /^\/\*\*[\s\S]*?\*\//.exec(text)?.[0] ?? '';
      const named = new Set([...text.split('\n').flatMap(titleIds), ...faultsCited(f, header)]);
      return [...named].filter((id) => { const c = catalogue.get(id); return c && !c.naming.includes(f) && !c.byTopic.includes(f); }).map((id) => `${id}: ${f}`);
    });
    expect(missing).toEqual([]);
  });

  test('relative links in docs/, the README and test/fixtures/README.md point at files and headings that exist', () => {
    const pages = [...readdirSync(join(ROOT, 'docs')).map((f) => `docs/${f}`), 'README.md', 'test/fixtures/README.md'];
    const anchors = new Map<string, Set<string>>();
    const anchorsOf = (file: string) => anchors.get(file) ?? anchors.set(file, headingAnchors(readFileSync(file, 'utf8'))).get(file)!;
    const broken: string[] = [];
    let fragments = 0;
    for (const page of pages) {
      for (const m of readFileSync(join(ROOT, page), 'utf8').matchAll(/\]\(([^)\s#]*)(?:#([^)\s]*))?\)/g)) {
        const [, target, fragment] = m as unknown as [string, string, string | undefined];
        if (/^[a-z]+:/.test(target)) continue; // http:, mailto:
        const file = resolve(ROOT, dirname(page), target || basename(page));
        if (!existsSync(file)) broken.push(`${page}: ${target}`);
        else if (fragment && file.endsWith('.md')) {
          fragments++;
          if (!anchorsOf(file).has(fragment)) broken.push(`${page}: ${target}#${fragment} (no such heading)`);
        }
      }
    }
    expect(broken).toEqual([]);
    expect(fragments).toBeGreaterThan(20); // the README's contents and command list, the docs' cross-references
  });

  test('docs/architecture.md catalogues every event type the daemon stores, and no other', () => {
    const text = readFileSync(join(ROOT, 'docs/architecture.md'), 'utf8');
    const section = /## The event catalogue\n([\s\S]*?)\n## /.exec(text)?.[1] ?? '';
    const listed = new Set(section.split('\n').filter((l) => l.startsWith('| `')).flatMap((l) => [...l.split(' | ')[0]!.matchAll(/`([a-z_]+)`/g)].map((m) => m[1])));
    expect([...listed].sort()).toEqual([...EVENT_TYPES].sort());
  });

  test('the README links the documentation', () => {
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8').includes('](docs/README.md)'), 'README.md links docs/README.md').toBe(true);
  });
});
