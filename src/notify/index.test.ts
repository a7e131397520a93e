import { afterEach, describe, expect, test, vi } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { channelNames, channels, createNotifier, receiverSchema, renderReceiverDocs, secretsOf, type ReceiverInput } from './index.js';
import type { NotifierLogger } from './types.js';

const log: NotifierLogger = { info() {}, warn() {}, error() {} };

afterEach(() => {
  vi.unstubAllEnvs();
});

/** One minimal config per channel, as a user would write it in YAML. */
const EXAMPLES: Record<string, string> = {
  webhook: 'type: webhook\nurl: https://alerts.example/hook/T0K3N\nmax_alerts: 50\n',
  slack: 'type: slack\nurl: env:MHM_SLACK_URL\nchannel: "#ops"\n',
  ntfy: 'type: ntfy\ntopic: mhm-alerts-7f3a9c\ntoken: env:MHM_NTFY_TOKEN\n',
  pagerduty: 'type: pagerduty\nrouting_key: env:MHM_PD_KEY\n',
  email: 'type: email\nhost: smtp.example.com\nuser: monitor\npassword: env:MHM_SMTP_PASSWORD\nfrom: MCP Hub Monitor <monitor@example.com>\nto: [ops@example.com]\n',
  desktop: 'type: desktop\n',
  command: 'type: command\ncommand: [gh, issue, create, --repo, acme/ops, --title, MCP hub alert, --body-file, "-"]\nenv:\n  GH_TOKEN: env:GH_TOKEN\n',
};

describe('the registry', () => {
  test('lists every channel, each with a strict schema and a factory', () => {
    expect(channelNames).toEqual(['webhook', 'slack', 'ntfy', 'pagerduty', 'email', 'desktop', 'command']);
    for (const c of channelNames) {
      expect(typeof channels[c].create).toBe('function');
      expect(channels[c].schema.safeParse({ __typo: 1 }).error?.issues.some((i) => i.code === 'unrecognized_keys')).toBe(true);
    }
  });

  test.each(channelNames)('the %s example parses, and builds a notifier of that channel', (c) => {
    vi.stubEnv('MHM_SLACK_URL', 'https://hooks.slack.com/services/T0/B0/XYZ');
    vi.stubEnv('MHM_NTFY_TOKEN', 'tk_123456');
    vi.stubEnv('MHM_PD_KEY', 'pdkey0123456789');
    vi.stubEnv('MHM_SMTP_PASSWORD', 'smtp-pass-1');
    vi.stubEnv('GH_TOKEN', 'ghp_abcdef');
    const cfg = receiverSchema.parse(parseYaml(EXAMPLES[c] as string) as ReceiverInput);
    expect(cfg.type).toBe(c);
    const n = createNotifier('team', cfg, { log, timeoutMs: 1000 });
    expect(n).toMatchObject({ channel: c, name: 'team' });
  });
});

describe('receiverSchema', () => {
  test('an unknown type names the known ones', () => {
    const r = receiverSchema.safeParse({ type: 'slak', url: 'https://x' });
    expect(r.error?.issues[0]).toMatchObject({ path: ['type'] });
    expect(r.error?.issues[0]?.message).toContain("'slack'");
  });

  test('a typo in a key is an error at its path', () => {
    const r = receiverSchema.safeParse({ type: 'slack', url: 'https://x', chanel: '#ops' });
    expect(r.error?.issues[0]).toMatchObject({ code: 'unrecognized_keys', keys: ['chanel'] });
  });

  test('an unset env: secret is an error naming the variable', () => {
    vi.stubEnv('MHM_NOPE', undefined);
    const r = receiverSchema.safeParse({ type: 'pagerduty', routing_key: 'env:MHM_NOPE' });
    expect(r.error?.issues[0]).toMatchObject({ path: ['routing_key'], message: 'environment variable MHM_NOPE is not set' });
  });

  test('a webhook URL that is not http(s) is refused without quoting it', () => {
    const r = receiverSchema.safeParse({ type: 'webhook', url: 'hooks.example/SECRET123' });
    expect(r.error?.issues[0]?.path).toEqual(['url']);
    expect(JSON.stringify(r.error?.issues)).not.toContain('SECRET123');
  });
});

describe('secretsOf', () => {
  test.each([
    [{ type: 'webhook', url: 'https://h.example/hook/S1' }, ['https://h.example/hook/S1']],
    [{ type: 'slack', url: 'https://hooks.slack.com/services/T/B/S2', channel: '#ops' }, ['https://hooks.slack.com/services/T/B/S2']],
    [{ type: 'ntfy', topic: 'topic-S3', token: 'tok-S3' }, ['topic-S3', 'tok-S3']],
    [{ type: 'ntfy', topic: 'topic-S3' }, ['topic-S3']],
    [{ type: 'pagerduty', routing_key: 'key-S4' }, ['key-S4']],
    [{ type: 'email', host: 'h', user: 'u', password: 'pw-S5', from: 'a@x', to: ['b@x'] }, ['pw-S5']],
    [{ type: 'desktop' }, []],
    [{ type: 'command', command: ['x'], env: { A: 'env-S6', B: 'env-S7' } }, ['env-S6', 'env-S7']],
  ] as [ReceiverInput, string[]][])('%j has secrets %j', (input, secrets) => {
    expect(secretsOf(receiverSchema.parse(input))).toEqual(secrets);
  });

  test('gives the resolved value of an env: secret, not its reference', () => {
    vi.stubEnv('MHM_TOKEN_X', 'resolved-token');
    expect(secretsOf(receiverSchema.parse({ type: 'ntfy', topic: 't0p1c', token: 'env:MHM_TOKEN_X' }))).toEqual(['t0p1c', 'resolved-token']);
  });
});

describe('renderReceiverDocs', () => {
  const docs = renderReceiverDocs();

  test('one table per channel', () => {
    for (const c of channelNames) expect(docs).toContain(`### \`type: ${c}\`\n\n| key | type | default | meaning |\n|---|---|---|---|\n`);
  });

  test('rows carry type, default and the describe() text', () => {
    expect(docs).toContain('| `url` | secret | *required* | Receiver URL (a secret: env:NAME or file:/path work); gets Alertmanager-compatible JSON |');
    expect(docs).toContain('| `url` | URL | `https://ntfy.sh` | ntfy server base URL |');
    expect(docs).toContain('| `port` | integer | `587` | SMTP server port |');
    expect(docs).toContain('| `token` | secret |  | Access token, sent as Authorization: Bearer (a secret) |');
    expect(docs).toContain('| `env` | map of name to secret | `{}` |');
  });

  test('every key of every channel is described', () => {
    for (const line of docs.split('\n').filter((l) => l.startsWith('| `'))) expect(line).not.toMatch(/\| $/);
  });
});
