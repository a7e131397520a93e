// Preloaded into a process under test (NODE_OPTIONS=--require …/heap-probe.cjs, MHM_HEAP_PROBE=<file>): writes
// the largest size V8's young generation (new space) has had, in bytes, to that file as it grows.
'use strict';
const { writeFileSync } = require('node:fs');
const v8 = require('node:v8');

const file = process.env.MHM_HEAP_PROBE;
let max = 0;
function look() {
  const size = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;
  if (size > max) {
    max = size;
    writeFileSync(file, String(max));
  }
}
if (file) {
  look();
  setInterval(look, 20).unref();
}
