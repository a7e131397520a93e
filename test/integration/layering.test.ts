/**
 * The direction rules (.dependency-cruiser.cjs) hold only if breaking one fails `npm test`. A copy of the
 * repository's src/ is linted with the real `npm run lint`: as it is, it passes; with one offending module
 * per rule added, it fails and names each rule with its module.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, test } from 'vitest';
import { tempDir } from '../support/temp-dir.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

/** `npm run lint` in `dir`: its exit code and everything it printed. */
async function lint(dir: string): Promise<{ code: number; output: string }> {
  try {
    const r = await run('npm', ['run', '--silent', 'lint'], { cwd: dir, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, output: r.stdout + r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

/** One module breaking each rule: [rule, file under src/, its text]; a cycle is reported once, at its first module. */
const OFFENDERS: [rule: string | undefined, file: string, text: string][] = [
  ['evaluate-no-io', 'evaluate/probe-reads-a-file.ts', "import { readFileSync } from 'node:fs';\nexport const read = readFileSync;\n"],
  ['evaluate-no-io', 'evaluate/probe-opens-sqlite.ts', "import Database from 'better-sqlite3';\nexport const open = Database;\n"],
  ['evaluate-no-layers', 'evaluate/probe-source-type.ts', "import type { PollOptions } from '../sources/hub-client.js';\nexport type Options = PollOptions;\n"],
  ['evaluate-no-layers', 'evaluate/probe-reads-the-clock.ts', "import { systemClock } from '../model/clock.js';\nexport const now = () => systemClock.now();\n"],
  ['sources-never-decide', 'sources/probe-decides.ts', "import { worstStatus } from '../evaluate/types.js';\nexport const judge = worstStatus;\n"],
  ['no-view-imports', 'daemon/probe-renders.ts', "import { sanitizeTerminal } from '../views/sanitize.js';\nexport const clean = sanitizeTerminal;\n"],
  ['no-cli-imports', 'store/probe-uses-the-cli.ts', "import type { GlobalOptions } from '../cli/global-options.js';\nexport type G = GlobalOptions;\n"],
  ['model-is-the-bottom', 'model/probe-reaches-up.ts', "import type { Store } from '../store/store.js';\nexport type S = Store;\n"],
  ['otel-only-when-enabled', 'tap/probe-loads-otel.ts', "import { startTelemetry } from '../otel/telemetry.js';\nexport const start = startTelemetry;\n"],
  ['otel-sdk-in-one-place', 'daemon/probe-uses-the-sdk.ts', "import { trace } from '@opentelemetry/api';\nexport const t = trace;\n"],
  ['no-circular', 'alerts/probe-cycle-a.ts', "import { b } from './probe-cycle-b.js';\nexport const a = () => b;\n"],
  [undefined, 'alerts/probe-cycle-b.ts', "import { a } from './probe-cycle-a.js';\nexport const b = () => a;\n"],
];

describe('npm run lint enforces the direction rules', () => {
  let copy: string;
  beforeAll(() => {
    copy = tempDir('layering-');
    for (const f of ['package.json', 'tsconfig.json', '.dependency-cruiser.cjs']) cpSync(join(repo, f), join(copy, f));
    cpSync(join(repo, 'src'), join(copy, 'src'), { recursive: true });
    symlinkSync(join(repo, 'node_modules'), join(copy, 'node_modules'), 'dir');
  });

  test('npm test runs the lint before the tests', () => {
    const scripts = (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.lint).toMatch(/depcruise src --config \.dependency-cruiser\.cjs/);
    expect(scripts.test).toMatch(/npm run lint && .*vitest run/);
  });

  test('src/ as it is passes; one violation of each rule fails it, named with its module', async () => {
    const clean = await lint(copy);
    expect(clean.output).toMatch(/no dependency violations found/);
    expect(clean.code).toBe(0);

    for (const [, file, text] of OFFENDERS) {
      mkdirSync(dirname(join(copy, 'src', file)), { recursive: true });
      writeFileSync(join(copy, 'src', file), text);
    }
    const broken = await lint(copy);
    expect(broken.code).not.toBe(0);
    const expected = OFFENDERS.filter(([rule]) => rule !== undefined);
    for (const [rule, file] of expected) expect(broken.output, `${rule} for src/${file}`).toContain(`error ${rule}: src/${file}`);
    expect(broken.output).toContain(`x ${expected.length} dependency violations (${expected.length} errors, 0 warnings)`);
  }, 180_000);
});
