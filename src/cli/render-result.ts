/** Renders the shared check/validate/anomalies result in the chosen format. */
import type { CheckResult } from '../evaluate/check.js';
import { renderCheckNagios } from '../views/check-nagios.js';
import { renderCheckText } from '../views/check-text.js';
import { toSafeJson } from '../views/json.js';
import { shouldUseColor } from '../views/sanitize.js';
import type { GlobalOptions } from './global-options.js';
import type { CheckFormat } from './options.js';

export interface CommandRun {
  exitCode: number;
  output: string;
}

/** Text for stdout plus the exit code. */
export function renderResult(result: CheckResult, format: CheckFormat, g: GlobalOptions, title?: string): CommandRun {
  const output = format === 'json' ? `${toSafeJson(result)}\n`
    : format === 'nagios' ? renderCheckNagios(result)
    : renderCheckText(result, { color: shouldUseColor(process.stdout, process.env, g.color), width: process.stdout.columns, title });
  return { exitCode: result.exitCode, output };
}
