// Preloaded with `node --import`: records every ES module URL the loader resolves (hooks run on the loader
// thread) and, at exit, every CommonJS module in require.cache plus Node's internal module list — so a
// test can see exactly what a command loaded at run time, lazy loads included.
import { register, createRequire } from 'node:module';
import { appendFileSync } from 'node:fs';

register(new URL('./hooks.mjs', import.meta.url));
const cache = createRequire(import.meta.url).cache;
process.on('exit', () => {
  const lines = [
    ...Object.keys(cache).map((f) => `required ${f}`),
    ...process.moduleLoadList.map((m) => `internal ${m}`),
  ];
  appendFileSync(process.env.MHM_TRACE_FILE, `${lines.join('\n')}\n`);
});
