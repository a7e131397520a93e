// Preloaded with `node --import`: records every module URL the loader resolves (via hooks that run on the
// loader thread) and, at exit, Node's own internal module list — so a test can see exactly what a command
// imported at run time, dynamic imports included.
import { register } from 'node:module';
import { appendFileSync } from 'node:fs';

register(new URL('./hooks.mjs', import.meta.url));
process.on('exit', () => {
  appendFileSync(process.env.MHM_TRACE_FILE, process.moduleLoadList.map((m) => `internal ${m}`).join('\n') + '\n');
});
