/** Runs an evaluating command by name; each command's module is loaded only when it runs. */
import type { GlobalOptions } from './global-options.js';
import type { CheckFormat, EvaluatingCommand } from './options.js';
import type { CommandRun } from './render-result.js';

export async function runEvaluating(
  command: EvaluatingCommand, g: GlobalOptions, format: CheckFormat, options: Record<string, string | boolean | undefined>,
): Promise<CommandRun> {
  switch (command) {
    case 'check': return (await import('./commands/check.js')).runCheck(g, format, { expectDaemon: options.expectDaemon === true || options.daemon === true, daemonCritical: options.daemon === true, probe: options.probe === true });
    case 'validate': return (await import('./commands/validate.js')).runValidate(g, format, { probe: options.probe !== false });
    case 'anomalies': return (await import('./commands/anomalies.js')).runAnomalies(g, format, typeof options.window === 'string' ? options.window : undefined);
  }
}
