/**
 * `setup`: one command to install the monitor for real — the state, baselines, reports and log dirs
 * (0700), a commented default config (never overwritten without --force), and the daemon as a systemd user
 * service or, without systemd, a cron line wrapped in `flock -n` — and, with `--tap host:port --hub URL`,
 * the traffic tap beside it the same way. `--print` shows the plan and touches
 * nothing; `--uninstall` removes exactly what setup installed. Running it twice changes nothing.
 */
import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../config/load.js';
import { UsageError } from '../../errors.js';
import { isLoopbackHost, validateListen } from '../../views/http/security.js';
import { sanitizeTerminal as clean } from '../../views/sanitize.js';
import type { GlobalOptions } from '../global-options.js';
import type { CommandRun } from '../render-result.js';
import { applySetup, unavailable, uninstallSetup } from '../setup/apply.js';
import { planSetup, type SetupMode, type SetupPlan } from '../setup/plan.js';

export interface SetupFlags {
  mode?: string;
  print?: boolean;
  uninstall?: boolean;
  force?: boolean;
  tap?: string;
}

function render(plan: SetupPlan, mode: SetupMode): string {
  const out = [`setup would install (mode ${mode}):`, '', 'directories (0700):', ...plan.dirs.map((d) => `  ${d}/`), ''];
  for (const f of plan.files) out.push(`file ${f.path} (${f.mode.toString(8).padStart(4, '0')}${f.userOwned ? ', only if absent' : ''}):`, ...f.content.trimEnd().split('\n').map((l) => `  | ${l}`), '');
  if (plan.cronLines.length) out.push('crontab lines:', ...plan.cronLines.map((l) => `  ${l}`), '');
  if (plan.systemctl.length) out.push('then:', ...plan.systemctl.map((a) => `  systemctl ${a.join(' ')}`), '');
  return out.map((l) => clean(l)).join('\n');
}

/**
 * The mode to install with: the one asked for, or (auto) systemd when a user session answers, else cron.
 * With neither available, auto is a usage error at once (before planning anything); an unavailable mode
 * asked for comes back with why, and the other mode when that one would work.
 */
function chooseMode(wanted: SetupMode | 'auto'): { mode: SetupMode; why?: string } {
  const other = (m: SetupMode): SetupMode => (m === 'systemd' ? 'cron' : 'systemd');
  if (wanted !== 'auto') {
    const why = unavailable(wanted);
    if (!why) return { mode: wanted };
    return { mode: wanted, why: `${why}${unavailable(other(wanted)) === undefined ? `, or use --mode ${other(wanted)}` : ''}` };
  }
  const systemd = unavailable('systemd');
  if (!systemd) return { mode: 'systemd' };
  const cron = unavailable('cron');
  if (!cron) return { mode: 'cron' };
  throw new UsageError(`setup: no scheduler to run the daemon here: systemd: ${systemd}; cron: ${cron}. Fix either, or run \`mcp-hub-monitor daemon\` under a supervisor of your own`);
}

/** `--tap host:port` with the one `--hub` it fronts, checked before anything is planned. */
function tapTarget(g: GlobalOptions, listen: string | undefined): { listen: string; hub: string } | undefined {
  if (listen === undefined) return undefined;
  if (!/^(?:\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/.test(listen) || Number(listen.slice(listen.lastIndexOf(':') + 1)) > 65535) {
    throw new UsageError(`setup --tap: not host:port (got ${JSON.stringify(listen)}). Write e.g. --tap 127.0.0.1:7001`);
  }
  if (g.hubs.length !== 1) throw new UsageError(`setup --tap: give the one hub the tap fronts with --hub (got ${g.hubs.length}), e.g. --tap ${listen} --hub http://127.0.0.1:7000`);
  const hub = g.hubs[0]!;
  let url: URL | undefined;
  try { url = new URL(hub); } catch { /* below */ }
  if (url?.protocol !== 'http:') throw new UsageError(`setup --hub: the tap fronts an http:// hub URL (got ${JSON.stringify(hub)}), e.g. http://127.0.0.1:7000`);
  return { listen, hub };
}

/**
 * A tap installed to listen beyond loopback must find tap.token in the config it will run with, as the tap
 * itself requires (it would exit at every start): refused here, before anything is installed.
 */
async function checkTapExposure(g: GlobalOptions, listen: string): Promise<void> {
  const at = listen.lastIndexOf(':');
  const host = listen.slice(0, at).replace(/^\[(.*)\]$/, '$1');
  const port = Number(listen.slice(at + 1));
  if (isLoopbackHost(host)) return;
  const cfg = await loadConfig(g.configFile, g.configExplicit);
  if (!cfg.tap.token) {
    throw new UsageError(`setup --tap ${listen}: not a loopback address, and no tap.token is set in ${g.configFile}: anyone who can reach it could call your hub's tools through it. Set tap.token (at least 16 characters; env:NAME or file:/path) in that config and run setup again, or use --tap 127.0.0.1:${port}`);
  }
  validateListen({ host, port }, cfg.tap.token, 'tap');
}

export async function runSetup(g: GlobalOptions, flags: SetupFlags): Promise<CommandRun> {
  if (flags.uninstall) {
    const r = uninstallSetup(g.stateDir);
    return { exitCode: 0, output: `${r.actions.map((l) => clean(l)).join('\n')}\nthe history in ${clean(g.stateDir)} is left as it is\n` };
  }
  const tap = tapTarget(g, flags.tap);
  if (tap) await checkTapExposure(g, tap.listen);
  const wanted = flags.mode ?? 'auto';
  if (!['auto', 'systemd', 'cron'].includes(wanted)) throw new UsageError(`setup: --mode must be auto, systemd or cron (got ${JSON.stringify(wanted)})`);
  const { mode, why } = chooseMode(wanted as SetupMode | 'auto');
  const { renderConfigTemplate } = await import('../../config/docs.js');
  const { configSchema } = await import('../../config/schema.js');
  const env = process.env;
  const plan = planSetup({
    mode,
    node: process.execPath,
    cli: realpathSync(process.argv[1] ?? 'mcp-hub-monitor'),
    configPath: g.configFile,
    stateDir: g.stateDir,
    systemdUserDir: join(env.XDG_CONFIG_HOME || join(env.HOME ?? '', '.config'), 'systemd', 'user'),
    configTemplate: renderConfigTemplate(configSchema),
    ...(tap ? { tap } : {}),
  });
  // --print shows the plan asked for, and says when this machine cannot carry it out (exit 3, as setup would).
  if (flags.print) return { exitCode: why ? 3 : 0, output: `${render(plan, mode)}\n${why ? `${clean(`setup cannot install this here: ${why}`)}\n` : ''}` };
  if (why) throw new UsageError(`setup: cannot install for ${mode}: ${why}. \`setup --print\` shows what would be installed`);
  const r = applySetup(plan, mode, g.stateDir, { force: flags.force });
  const next = mode === 'systemd' ? `see it run: systemctl --user status mcp-hub-monitor${tap ? ' mcp-hub-monitor-tap' : ''}; journalctl --user -u mcp-hub-monitor${tap ? ' -u mcp-hub-monitor-tap' : ''} -f`
    : `the daemon${tap ? ' and the tap start' : ' starts'} within a minute; ${tap ? 'their logs' : 'its log'}: ${join(g.stateDir, 'logs', 'daemon.log')}${tap ? ` and ${join(g.stateDir, 'logs', 'tap.log')}` : ''}`;
  return { exitCode: 0, output: `${r.actions.map((l) => clean(l)).join('\n')}\n${r.changed ? next : ''}\n` };
}
