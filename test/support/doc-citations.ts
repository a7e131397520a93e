/**
 * Finds the citations of the project's own documents in code and tests — `docs/hub-api.md §6`,
 * `faults A11`, `faults §4 item 9`, `DESIGN.md §4`, `STYLE.md "A notifier"` — and says which of them do not
 * resolve: a document missing from the repository, a section it does not have, a fault id `docs/faults.md`
 * does not define. Also flags a `§` that belongs to no citation, and any reference to the reference
 * material outside the repository (a user's clone has none of it).
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** The documents cited by bare name (`faults A11`, `hub-api.md §3`): they live in docs/. */
export const DOC_NAMES = ['hub-api', 'faults', 'DESIGN', 'STYLE'] as const;
type DocName = (typeof DOC_NAMES)[number];

/** What a document offers to cite. */
export interface DocIndex {
  /** Numbered headings: "1", "2.1", "4.4". */
  sections: Set<string>;
  /** Lettered headings ("### A. Hub faults"): "A" … "F". */
  letters: Set<string>;
  /** Named headings ("## A notifier"), lower-cased. */
  names: Set<string>;
  /** Fault ids defined by a `**A11. …**` paragraph. */
  ids: Set<string>;
}

export interface Problem {
  file: string;
  line: number;
  text: string;
  problem: string;
}

/** Parses a Markdown document's citable parts. */
export function indexDoc(markdown: string): DocIndex {
  const index: DocIndex = { sections: new Set(), letters: new Set(), names: new Set(), ids: new Set() };
  for (const line of markdown.split('\n')) {
    const heading = /^#{2,4}\s+(.+?)\s*$/.exec(line);
    if (heading) {
      const title = heading[1] as string;
      const numbered = /^(\d+(?:\.\d+)*)\.?\s/.exec(title);
      const lettered = /^([A-Z])\.\s/.exec(title);
      if (numbered) index.sections.add(numbered[1] as string);
      else if (lettered) index.letters.add(lettered[1] as string);
      index.names.add(title.toLowerCase());
    }
    const id = /^\*\*([A-F]\d{1,2})\.\s/.exec(line);
    if (id) index.ids.add(id[1] as string);
  }
  return index;
}

const DOC = String.raw`(?<![\w/.-])(?:docs/)?(hub-api|faults|DESIGN|STYLE)(\.md)?(?![\w-])`;
const ID = String.raw`[A-F]\d{1,2}(?:\s*[–-]\s*[A-F]?\d{1,2})?(?![\w-])`;
const REF = String.raw`§\s?\d+(?:\.\d+)*(?:\s+item\s+\d+)?|§\s?[A-F](?![\w-])|section\s+[A-F](?![\w-])|[A-F]-series|${ID}|[A-F](?![\w-])|"[^"\n]+"`;
const CITATION = new RegExp(`${DOC}((?:[\\s,;]*(?:and\\s+)?(?:${REF}))*)`, 'g');
const REF_ONE = new RegExp(`(?:${REF})`, 'g');
/** A `§` of someone else's document: RFC 9110 §10.2.3, sqlite.org/howtocorrupt.html §2.2. */
const EXTERNAL_SECTION = /(?:RFC\s*\d+|\S+\.(?:html?|txt|pdf))\s*$/;
/** Placeholders in help texts that look like a document name. */
const NOT_DOCS = new Set(['FILE.md']);
const OUTSIDE = [['..', 'shared'].join('/'), ['', 'work', 'shared'].join('/'), ['shared', 'fixtures'].join('/')];

/** Problems with one reference (`§4 item 9`, `A14–A19`, `"Tests"`) to document `doc`. */
function checkRef(doc: DocName, ref: string, index: DocIndex): string | undefined {
  const section = /^§\s?(\d+(?:\.\d+)*)(?:\s+item\s+(\d+))?$/.exec(ref);
  if (section) {
    const want = section[2] ? `${section[1]}.${section[2]}` : (section[1] as string);
    return index.sections.has(want) ? undefined : `docs/${doc}.md has no section §${want}`;
  }
  const letter = /^(?:§\s?|section\s+)?([A-F])(?:-series)?$/.exec(ref);
  if (letter) {
    if (doc !== 'faults') return `a lettered section only exists in docs/faults.md, not docs/${doc}.md`;
    return index.letters.has(letter[1] as string) ? undefined : `docs/faults.md has no section ${letter[1]}`;
  }
  const quoted = /^"(.+)"$/.exec(ref);
  if (quoted) {
    return index.names.has((quoted[1] as string).toLowerCase()) ? undefined : `docs/${doc}.md has no section named "${quoted[1]}"`;
  }
  const range = /^([A-F])(\d{1,2})(?:\s*[–-]\s*([A-F])?(\d{1,2}))?$/.exec(ref);
  if (range) {
    if (doc !== 'faults') return `fault ids belong to docs/faults.md, not docs/${doc}.md`;
    const [, l, from, l2, to] = range as unknown as [string, string, string, string | undefined, string | undefined];
    if (l2 && l2 !== l) return `a fault-id range must stay in one section (${ref})`;
    const last = to === undefined ? Number(from) : Number(to);
    for (let n = Number(from); n <= last; n++) if (!index.ids.has(`${l}${n}`)) return `docs/faults.md defines no fault ${l}${n}`;
    return undefined;
  }
  return `unrecognised reference ${JSON.stringify(ref)}`;
}

/** Fault ids a test names by leading its title with them: `test('A11 …')`, `describe('D4. …')`, `['A1 hub gone', …]`. */
export function titleIds(line: string): string[] {
  const ids: string[] = [];
  const title = /(?:\b(?:test|it|describe)(?:\.\w+(?:\([^()]*\))?)*\(\s*|\[\s*)(['"`])([A-F]\d{1,2}(?:\/[A-F]\d{1,2})*)(?=[\s.:/])/g;
  for (const m of line.matchAll(title)) ids.push(...(m[2] as string).split('/'));
  return ids;
}

/**
 * Every problem in one file's text; `docs` maps each document name to its index (absent = no such file).
 * `onCitation` sees each reference checked (`hub-api §6`, `faults A11`), so a caller can tell a clean scan
 * from one that found nothing to check.
 */
export function findProblems(
  file: string, text: string, docs: ReadonlyMap<string, DocIndex>, repoFiles: (path: string) => boolean,
  onCitation: (doc: string, ref: string) => void = () => {},
): Problem[] {
  const problems: Problem[] = [];
  const isTest = /\.test\.ts$/.test(file);
  text.split('\n').forEach((line, i) => {
    const add = (problem: string) => problems.push({ file, line: i + 1, text: line.trim().slice(0, 160), problem });
    for (const marker of OUTSIDE) if (line.includes(marker)) add(`refers to ${marker}, which a clone of the repository does not have`);
    const covered: [number, number][] = [];
    for (const m of line.matchAll(CITATION)) {
      const doc = m[1] as DocName;
      const tail = m[3] as string;
      const explicit = m[2] !== undefined || m[0].startsWith('docs/');
      if (!tail && !explicit) continue; // "faults" or "DESIGN" as a plain word
      covered.push([m.index, m.index + m[0].length]);
      const index = docs.get(doc);
      if (!index) {
        add(`cites docs/${doc}.md, which does not exist`);
        continue;
      }
      for (const r of tail.matchAll(REF_ONE)) {
        if (doc !== 'STYLE' && r[0].startsWith('"')) continue; // a quotation after the citation, not a section
        onCitation(doc, r[0].trim());
        const why = checkRef(doc, r[0].trim(), index);
        if (why) add(why);
      }
    }
    for (const m of line.matchAll(/(?<![\w/.-])((?:\.\.\/)*(?:docs\/)?[\w-]+\.md)\b/g)) {
      const name = m[1] as string;
      const plain = name.replace(/^(?:\.\.\/)*/, '');
      const cited = plain.startsWith('docs/') || /^[A-Z][A-Z0-9_-]+\.md$/.test(plain) || /^\s*(?:§|")/.test(line.slice(m.index + name.length));
      if (!cited || NOT_DOCS.has(plain) || DOC_NAMES.some((d) => plain === `${d}.md` || plain === `docs/${d}.md`)) continue;
      if (!repoFiles(plain) && !repoFiles(`docs/${plain}`)) add(`cites ${plain}, which is not in the repository`);
    }
    for (let at = line.indexOf('§'); at >= 0; at = line.indexOf('§', at + 1)) {
      if (covered.some(([a, b]) => at >= a && at < b)) continue;
      if (!EXTERNAL_SECTION.test(line.slice(0, at))) add('a § that belongs to no citation: write docs/<file>.md §N (or the external source) before it');
    }
    if (isTest) {
      const faults = docs.get('faults');
      for (const id of titleIds(line)) {
        onCitation('faults', id);
        if (!faults?.ids.has(id)) add(`the test title names fault ${id}, which docs/faults.md does not define`);
      }
    }
  });
  return problems;
}

/**
 * The anchors GitHub gives a Markdown page's headings (github-slugger): the heading's text lower-cased, every
 * character but letters, digits, `_`, `-` and spaces dropped, spaces made `-`; a repeated one gets `-1`, `-2`.
 * Lines in fenced code blocks are not headings.
 */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fence: string | undefined;
  for (const line of markdown.split('\n')) {
    const f = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (f !== undefined && (fence === undefined || f.startsWith(fence))) {
      fence = fence === undefined ? f : undefined;
      continue;
    }
    const heading = fence === undefined ? /^#{1,6}\s+(.+?)\s*#*\s*$/.exec(line) : null;
    if (!heading) continue;
    const text = (heading[1] as string).replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
    const slug = text.toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    anchors.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return anchors;
}

const TEXT = /\.(?:ts|mts|mjs|cjs|js|sh|md|html|css)$/;

/**
 * The files whose text is checked: code, tests, benchmarks, scripts, the web front end, CI, the README, and
 * the pages of docs/ other than the cited documents themselves and the index (these number their own
 * sections, `§3`, and say how they are cited, `hub-api.md §N`).
 */
export function sourceFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (name === 'node_modules' || name === 'dist') continue;
      if (statSync(path).isDirectory()) walk(path);
      else if (TEXT.test(name)) out.push(relative(root, path));
    }
  };
  for (const dir of ['src', 'test', 'bench', 'scripts', 'web']) if (existsSync(join(root, dir))) walk(join(root, dir));
  for (const file of ['README.md', '.ci/run']) if (existsSync(join(root, file))) out.push(file);
  const cited = new Set<string>([...DOC_NAMES.map((d) => `${d}.md`), 'README.md']);
  if (existsSync(join(root, 'docs'))) {
    for (const name of readdirSync(join(root, 'docs'))) if (name.endsWith('.md') && !cited.has(name)) out.push(`docs/${name}`);
  }
  return out.sort();
}

/** Indexes of the documents in `<root>/docs` that code may cite by bare name. */
export function loadDocs(root: string): Map<string, DocIndex> {
  const docs = new Map<string, DocIndex>();
  for (const name of DOC_NAMES) {
    const path = join(root, 'docs', `${name}.md`);
    if (existsSync(path)) docs.set(name, indexDoc(readFileSync(path, 'utf8')));
  }
  return docs;
}
