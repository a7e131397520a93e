import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { defaultConfig } from './defaults.js';
import { ConfigError } from '../errors.js';
import { loadConfig } from './load.js';

let dir: string;
let counter = 0;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mcp-hub-monitor-config-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Writes a YAML file into the temp dir and returns its path. */
function yamlFile(text: string): string {
  const file = join(dir, `config-${++counter}.yaml`);
  writeFileSync(file, text);
  return file;
}

async function configError(file: string, explicit = true): Promise<ConfigError> {
  try {
    await loadConfig(file, explicit);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`expected ${file} to be rejected`);
}

describe('missing files', () => {
  test('an absent default config file means the defaults', async () => {
    expect(await loadConfig(join(dir, 'nope', 'config.yaml'), false)).toEqual(defaultConfig());
  });

  test('an absent explicit config file is a ConfigError naming the file', async () => {
    const file = join(dir, 'missing.yaml');
    const err = await configError(file, true);
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toBe(`${file}: file not found. Check the --config path`);
  });

  test('a directory given as the config file is a ConfigError', async () => {
    const err = await configError(dir, true);
    expect(err.message).toContain('is a directory');
  });
});

describe('validation errors', () => {
  test('an unknown key names the file, the key path and "unknown key"', async () => {
    const file = yamlFile('check:\n  sucess_rate:\n    warning: 97\n');
    const err = await configError(file);
    expect(err.message).toContain(file);
    expect(err.message).toContain('check.sucess_rate');
    expect(err.message).toContain('unknown key');
    expect(err.key).toBe('check.sucess_rate');
  });

  test('an unknown top-level key is named too', async () => {
    const err = await configError(yamlFile('timout: 5s\n'));
    expect(err.key).toBe('timout');
    expect(err.message).toContain('unknown key');
  });

  test('a wrong type names the key and shows what it got', async () => {
    const file = yamlFile('check:\n  success_rate:\n    warning: "high"\n');
    const err = await configError(file);
    expect(err.message).toContain(file);
    expect(err.message).toContain('check.success_rate.warning');
    expect(err.message).toContain('got "high"');
  });

  test('an out-of-range percent names the key', async () => {
    const err = await configError(yamlFile('check:\n  cache_hit_rate:\n    warning: 180\n'));
    expect(err.key).toBe('check.cache_hit_rate.warning');
    expect(err.message).toContain('got 180');
  });

  test('a bad duration names the key and says how to write one', async () => {
    const file = yamlFile('timeout: 5 minutes\n');
    const err = await configError(file);
    expect(err.message).toContain(`${file}: timeout: `);
    expect(err.message).toContain('got "5 minutes"');
    expect(err.message).toContain('Write a number and a unit');
  });

  test('a call latency threshold between two bounds of the calls histogram names the key and the bounds it may be', async () => {
    const err = await configError(yamlFile('slo:\n  calls:\n    latency_threshold: 1500ms\n'));
    expect(err.key).toBe('slo.calls.latency_threshold');
    expect(err.message).toContain('not a bound of the calls\' duration histogram');
    expect(err.message).toContain('Write one of 10ms, 20ms, 50ms, 100ms, 200ms, 500ms, 1s, 2s, 5s, 10s, 30s, 1m, 2m, 5m');
    expect((await loadConfig(yamlFile('slo:\n  calls:\n    latency_threshold: 5s\n'), true)).slo.calls.latency_threshold).toBe(5_000);
  });

  test('a duration written as a bare number is rejected with the same hint', async () => {
    const err = await configError(yamlFile('check:\n  dead_after: 10\n'));
    expect(err.key).toBe('check.dead_after');
    expect(err.message).toContain('Write a number and a unit');
  });

  test('a bad hub URL names the list index', async () => {
    const err = await configError(yamlFile('hubs:\n  - http://127.0.0.1:7000\n  - not a url\n'));
    expect(err.key).toBe('hubs[1]');
    expect(err.message).toContain('got "not a url"');
  });

  test('a bad enum value names the key', async () => {
    const err = await configError(yamlFile('check:\n  dead_server_severity: fatal\n'));
    expect(err.key).toBe('check.dead_server_severity');
    expect(err.message).toContain('got "fatal"');
  });

  test('a YAML syntax error names the line', async () => {
    const file = yamlFile('timeout: 5s\ncheck:\n  success_rate: [95, 90\n  queue_depth: {warning: 3}\n');
    const err = await configError(file);
    expect(err.message).toContain(file);
    expect(err.message).toMatch(/line \d+, column \d+: invalid YAML/);
    expect(err.message).toContain('Fix the syntax');
  });

  test('a YAML syntax error on line 3 says line 3', async () => {
    const err = await configError(yamlFile('timeout: 5s\nhubs: []\n  bad: indent: here\n'));
    expect(err.key).toMatch(/^line 3, /);
  });

  test('a duplicated key is a YAML error', async () => {
    const err = await configError(yamlFile('timeout: 5s\ntimeout: 6s\n'));
    expect(err.message).toContain('invalid YAML');
  });

  test('a misspelt rule id is an error naming alerting.rules.<typo>, with the id it likely meant', async () => {
    const file = yamlFile('alerting:\n  rules:\n    server.statuss:\n      enabled: false\n');
    const err = await configError(file);
    expect(err.key).toBe('alerting.rules.server.statuss');
    expect(err.message).toBe(`${file}: alerting.rules.server.statuss: unknown rule id. Did you mean "server.status"?`);
  });

  test('a rule id far from every known one lists the rule ids', async () => {
    const err = await configError(yamlFile('alerting:\n  rules:\n    disk.full: { enabled: false }\n'));
    expect(err.key).toBe('alerting.rules.disk.full');
    expect(err.message).toContain('Rule ids: hub.reachable, ');
  });

  test('a top-level list is rejected', async () => {
    const err = await configError(yamlFile('- a\n- b\n'));
    expect(err.key).toBe('(top level)');
  });
});

describe('valid files', () => {
  test('an empty file gives exactly the defaults', async () => {
    const file = yamlFile('');
    expect(await loadConfig(file, true)).toEqual({ ...defaultConfig(), file });
  });

  test('a comment-only file gives the defaults', async () => {
    const file = yamlFile('# nothing to change\n');
    expect(await loadConfig(file, true)).toEqual({ ...defaultConfig(), file });
  });

  test('overrides are the config as written, durations in ms; the rest stays default', async () => {
    const file = yamlFile([
      'hubs:',
      '  - http://127.0.0.1:7000',
      'timeout: 2500ms',
      'check:',
      '  success_rate:',
      '    warning: 97',
      '  p95_latency_ms:',
      '    warning: 1500',
      '  cache_hit_rate:',
      '    warning: 60',
      '  queue_depth:',
      '    warning: 20',
      '  memory_mb:',
      '    warning: 1024',
      '  servers_down:',
      '    warning: 2',
      '    critical: 4',
      '  dead_server_severity: warning',
      '  dead_after: 1m30s',
      '  transitional_state_severity: ok',
      'levels:',
      '  p95_latency_ms:',
      '    red: 4000',
      '',
    ].join('\n'));
    const d = defaultConfig();
    expect(await loadConfig(file, true)).toEqual({
      ...d,
      file,
      hubs: ['http://127.0.0.1:7000'],
      timeout: 2_500,
      check: {
        success_rate: { warning: 97, critical: d.check.success_rate.critical },
        p95_latency_ms: { warning: 1_500 },
        cache_hit_rate: { warning: 60 },
        queue_depth: { warning: 20 },
        memory_mb: { warning: 1_024 },
        servers_down: { warning: 2, critical: 4 },
        dead_server_severity: 'warning',
        dead_after: 90_000,
        transitional_state_severity: 'ok',
      },
      levels: { ...d.levels, p95_latency_ms: { ...d.levels.p95_latency_ms, red: 4_000 } },
    });
  });

  test('durations become milliseconds and byte sizes bytes, defaults included', () => {
    const d = defaultConfig();
    expect(d.timeout).toBe(5_000);
    expect(d.alerting.repeat_interval).toBe(4 * 3_600_000);
    expect(d.collect.retention.raw).toBe(48 * 3_600_000);
    expect(d.anomalies.rss).toEqual({ warning: 500_000_000, critical: 1_000_000_000 });
  });

  test('validate.accept_exposure: a reason is kept; a blank one or a boolean is an error naming the key', async () => {
    const ok = await loadConfig(yamlFile('validate:\n  accept_exposure: "firewalled to the VPN (OPS-12)"\n'), true);
    expect(ok.validate).toEqual({ ...defaultConfig().validate, accept_exposure: 'firewalled to the VPN (OPS-12)' });
    const blank = await configError(yamlFile('validate:\n  accept_exposure: "  "\n'));
    expect(blank.key).toBe('validate.accept_exposure');
    expect(blank.message).toContain('write why the hub may listen beyond loopback');
    expect((await configError(yamlFile('validate:\n  accept_exposure: true\n'))).key).toBe('validate.accept_exposure');
  });

  test('a rule override keeps the rule\'s other defaults and every other rule\'s', async () => {
    const c = await loadConfig(yamlFile('alerting:\n  rules:\n    hub.reachable: { failure_threshold: 5 }\n    llm.queue_depth: { severity: info }\n'), true);
    const d = defaultConfig().alerting.rules;
    expect(c.alerting.rules).toEqual({
      ...d,
      'hub.reachable': { keep_firing_for: 120_000, failure_threshold: 5 },
      'llm.queue_depth': { severity: 'info' },
    });
    expect(d['servers.down']).toEqual({ enabled: false });
  });

  test('defaultConfig() returns a fresh copy each time', () => {
    const a = defaultConfig();
    a.check.success_rate.warning = 1;
    a.hubs.push('x');
    expect(defaultConfig().check.success_rate.warning).toBe(95);
    expect(defaultConfig().hubs).toEqual([]);
  });
});
