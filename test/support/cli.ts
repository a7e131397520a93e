/** Runs the built CLI as a real child process, as cron or Nagios would, and times it from spawn to exit. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from './temp-dir.js';

export const CLI_PATH = fileURLToPath(new URL('../../bin/mcp-hub-monitor.cjs', import.meta.url));

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Wall time from spawn to the process's exit (not to its pipes closing), ms. */
  ms: number;
}

/** An environment with HOME and XDG_* in a fresh temp dir (removed after the test file), so no user config or hub registry leaks in. */
export function isolatedEnv(extra: Record<string, string> = {}): Record<string, string> {
  const home = tempDir('mhm-cli-home-');
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith('XDG_') && k !== 'MCP_HUB_URL' && k !== 'NO_COLOR' && k !== 'FORCE_COLOR') env[k] = v;
  }
  return { ...env, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_STATE_HOME: join(home, '.local', 'state'), ...extra };
}

/** Runs `mcp-hub-monitor <args>` (in `cwd`, default ours) and collects its output. */
export function runCli(args: string[], env: Record<string, string> = isolatedEnv(), execArgv: string[] = [], cwd?: string): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [...execArgv, CLI_PATH, ...args], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    let ms = 0;
    child.once('error', reject);
    child.once('exit', () => { ms = performance.now() - started; });
    child.once('close', (code) => resolve({ code, stdout, stderr, ms }));
  });
}
