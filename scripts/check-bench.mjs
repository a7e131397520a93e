#!/usr/bin/env node
// The benches are plain JavaScript over the built dist/: what breaks them in a refactor is an import of a
// module or a name that no longer exists, which no test would notice. This checks every bench file's static
// imports resolve, and that each named import is exported (run after the build, as `npm run typecheck` does).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = resolve(new URL('..', import.meta.url).pathname);
const files = [];
(function walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith('.mjs')) files.push(p);
  }
})(join(root, 'bench'));

// Modules that run when imported (entry points): checked to exist, not imported.
const ENTRY = /\/dist\/demo\/main\.js$|\/bench\/[^/]+\.mjs$/;
const problems = [];
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(/^import\s+(?:\{([^}]*)\}\s+from\s+)?['"](\.{1,2}\/[^'"]+)['"]/gm)) {
    const target = resolve(dirname(file), m[2]);
    const where = `${file.slice(root.length + 1)}: ${m[2]}`;
    if (!existsSync(target)) { problems.push(`${where}: no such file`); continue; }
    if (!m[1] || ENTRY.test(target)) continue;
    const mod = await import(pathToFileURL(target).href);
    for (const spec of m[1].split(',').map((s) => s.trim()).filter(Boolean)) {
      const name = spec.split(/\s+as\s+/)[0].trim();
      if (!(name in mod)) problems.push(`${where}: exports no ${name}`);
    }
  }
}
if (problems.length) {
  console.error(`bench imports that do not resolve (run npm run build first):\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`bench imports resolve: ${files.length} files`);
