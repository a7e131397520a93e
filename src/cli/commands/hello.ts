import type { GlobalOptions } from '../global-options.js';
export function runHello(_g: GlobalOptions) { return { output: 'hello\n', exitCode: 0 }; }
