/**
 * The contract every channel passes (docs/STYLE.md "Tests": contract suites run against every implementation,
 * gatus `store_test.go`): the status table against real receivers, and the secret canary (faults C10, F6,
 * Alertmanager's `AssertNotifyLeaksNoSecret`) — `SECRET123`, also as URL userinfo and in base64 as Basic auth
 * and SMTP AUTH carry it, appears in no Delivery and no log line, whatever the failure or the echo. Each channel needs a harness below; a channel added to the registry without one fails here.
 */
import { chmodSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import { firingBatch } from '../../test/support/alert-batches.js';
import { refusedUrl, startReceiver, type Receiver, type Reply } from '../../test/support/receiver.js';
import { channelNames, createNotifier, receiverSchema, secretsOf, type Channel, type ReceiverInput } from './index.js';
import { base64Forms } from './secret.js';
import type { Delivery, NotifierLogger } from './types.js';
import { tempDir } from '../../test/support/temp-dir.js';
import { POSIX, skipUnless } from '../../test/support/requires.js';

const CANARY = 'SECRET123';
const USER = 'mhm';
const TIMEOUT_MS = 500;

type Scenario = 'ok' | 'server error' | 'rejected' | 'hang' | 'reset' | 'refused' | 'echoes the secret' | 'echoes the credentials';
interface Harness {
  /** The receiver config for a scenario (the harness sets its fake up to act it out). */
  config(s: Scenario): Promise<ReceiverInput>;
  /** A channel whose config holds no secret: the canary check is then only that nothing invents one. */
  noSecrets?: true;
  /** Expected kinds where a channel differs from the HTTP table. */
  expected?: Partial<Record<Scenario, Delivery['kind']>>;
}
const DEFAULT_KIND: Record<Scenario, Delivery['kind']> = {
  ok: 'sent', 'server error': 'retry', rejected: 'failed', hang: 'retry', reset: 'retry', refused: 'retry', 'echoes the secret': 'retry',
  'echoes the credentials': 'retry',
};

let rx: Receiver;
let refused: string;
const REPLY: Record<Scenario, Reply> = {
  ok: { kind: 'status', status: 200, body: 'ok' },
  'server error': { kind: 'status', status: 503, body: 'maintenance' },
  rejected: { kind: 'status', status: 400, body: '{"error":"invalid payload"}' },
  hang: { kind: 'hang' },
  reset: { kind: 'reset' },
  refused: { kind: 'status', status: 200 },
  'echoes the secret': { kind: 'echoUrl', status: 500 },
  'echoes the credentials': { kind: 'echoAuth', status: 500 },
};
/**
 * An HTTP channel: the receiver acts out the scenario; `cfg(base)` builds the config. The base URL carries
 * the canary as its userinfo, which Node sends as `Authorization: Basic base64(mhm:CANARY)` (faults F6).
 */
const http = (cfg: (base: string) => ReceiverInput): Harness => ({
  async config(s) {
    rx.reply(REPLY[s]);
    return cfg((s === 'refused' ? refused : rx.url).replace('://', `://${USER}:${CANARY}@`));
  },
});
/** Every form the canary travels in: as written, base64 (Basic auth of the userinfo, SMTP AUTH PLAIN and LOGIN, a script's own encoding). */
const CANARY_FORMS = [CANARY, ...[CANARY, `${USER}:${CANARY}`, `\0${USER}\0${CANARY}`].flatMap(base64Forms)];
const leaked = (text: string) => CANARY_FORMS.filter((f) => text.includes(f));

// Email: a real SMTP server whose every answer quotes the password and the recipient.
let smtp: SMTPServer;
let smtpPort: number;
let smtpMode: Scenario = 'ok';
const muteSockets: net.Socket[] = [];
let mute: net.Server;

// Desktop: a fake notify-send (no secret to leak); command: a node script echoing its secret env on failure.
const bin = tempDir('mhm-contract-');
writeFileSync(join(bin, 'notify-send'), `#!/bin/sh\n[ "$MHM_MODE" = fail ] && { echo "GDBus.Error: no notification daemon" >&2; exit 1; }\n[ "$MHM_MODE" = hang ] && exec /bin/sleep 30\nexit 0\n`);
chmodSync(join(bin, 'notify-send'), 0o755);
const cmdScript = join(bin, 'notify.mjs');
writeFileSync(cmdScript, `
const mode = process.argv[2];
process.stdin.resume();
process.stdin.on('end', () => {
  if (mode === 'fail') { process.stderr.write('token ' + process.env.API_TOKEN + ' rejected'); process.exit(1); }
  if (mode === 'fail64') { process.stderr.write('token ' + Buffer.from(process.env.API_TOKEN).toString('base64') + ' rejected'); process.exit(1); }
  if (mode === 'hang') setTimeout(() => {}, 30_000);
});
`);

const harnesses: Record<Channel, Harness> = {
  webhook: http((base) => ({ type: 'webhook', url: `${base}/hook/${CANARY}` })),
  slack: http((base) => ({ type: 'slack', url: `${base}/services/T0/B0/${CANARY}` })),
  ntfy: http((base) => ({ type: 'ntfy', url: base, topic: 'mhm-alerts', token: CANARY })),
  pagerduty: http((base) => ({ type: 'pagerduty', routing_key: CANARY, url: `${base}/v2/enqueue` })),
  email: {
    async config(s) {
      smtpMode = s;
      const port = s === 'refused' ? Number(new URL(refused).port) : s === 'hang' ? (mute.address() as AddressInfo).port : smtpPort;
      return { type: 'email', host: '127.0.0.1', port, user: USER, password: CANARY, from: 'mhm@example.com', to: ['ops@example.com'] };
    },
    expected: { reset: 'retry', 'echoes the secret': 'failed', 'echoes the credentials': 'failed' },
  },
  desktop: {
    async config(s) {
      vi.stubEnv('PATH', s === 'refused' ? tempDir('mhm-empty-') : bin);
      vi.stubEnv('DBUS_SESSION_BUS_ADDRESS', 'unix:path=/nonexistent');
      vi.stubEnv('MHM_MODE', s === 'ok' ? 'ok' : s === 'hang' ? 'hang' : 'fail');
      return { type: 'desktop' };
    },
    // No notify-send is "unavailable": skipped, never retried. Its failures are exits, not statuses.
    noSecrets: true,
    expected: { refused: 'skipped', 'server error': 'failed', reset: 'failed', 'echoes the secret': 'failed', 'echoes the credentials': 'failed' },
  },
  command: {
    async config(s) {
      const mode = s === 'ok' ? 'ok' : s === 'hang' ? 'hang' : s === 'echoes the credentials' ? 'fail64' : 'fail';
      const argv = s === 'refused' ? [join(bin, 'missing')] : [process.execPath, cmdScript, mode];
      return { type: 'command', command: argv, env: { API_TOKEN: CANARY } };
    },
    expected: { 'server error': 'failed', reset: 'failed', refused: 'failed', 'echoes the secret': 'failed', 'echoes the credentials': 'failed' },
  },
};

beforeAll(async () => {
  rx = await startReceiver();
  refused = await refusedUrl();
  smtp = new SMTPServer({
    disabledCommands: ['STARTTLS'], allowInsecureAuth: true, logger: false,
    onAuth(auth, _session, cb) {
      if (smtpMode === 'echoes the secret') return cb(Object.assign(new Error(`bad password ${auth.password ?? ''}`), { responseCode: 535 }));
      if (smtpMode === 'echoes the credentials') {
        const plain = Buffer.from(`\0${auth.username}\0${auth.password ?? ''}`).toString('base64');
        return cb(Object.assign(new Error(`bad AUTH PLAIN ${plain} / LOGIN ${Buffer.from(auth.password ?? '').toString('base64')}`), { responseCode: 535 }));
      }
      return cb(null, { user: auth.username });
    },
    onRcptTo(address, _session, cb) {
      if (smtpMode === 'rejected') return cb(Object.assign(new Error(`no mailbox ${address.address} (pw ${CANARY})`), { responseCode: 550 }));
      if (smtpMode === 'server error' || smtpMode === 'reset') return cb(Object.assign(new Error(`try later ${CANARY}`), { responseCode: 451 }));
      return cb();
    },
    onData(stream, _session, cb) {
      stream.resume();
      stream.on('end', () => cb());
    },
  });
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
  smtpPort = (smtp.server.address() as AddressInfo).port;
  mute = net.createServer((s) => muteSockets.push(s));
  await new Promise<void>((r) => mute.listen(0, '127.0.0.1', r));
});
afterAll(async () => {
  await rx.close();
  await new Promise<void>((r) => smtp.close(() => r()));
  for (const s of muteSockets) s.destroy();
  await new Promise<void>((r) => mute.close(() => r()));
});
afterEach(() => {
  vi.unstubAllEnvs();
});

test('every registered channel has a contract harness', () => {
  expect(Object.keys(harnesses).sort()).toEqual([...channelNames].sort());
});

const SCENARIOS: Scenario[] = ['ok', 'server error', 'rejected', 'hang', 'reset', 'refused', 'echoes the secret', 'echoes the credentials'];
const cases = channelNames.flatMap((c) => SCENARIOS.map((s) => [c, s, harnesses[c].expected?.[s] ?? DEFAULT_KIND[s]] as const));

describe('the contract', skipUnless(POSIX), () => {
  test.each(cases)('%s, %s: %s, and the secret canary is nowhere', async (channel, scenario, kind) => {
    const cfg = receiverSchema.parse(await harnesses[channel].config(scenario));
    if (!harnesses[channel].noSecrets) expect(secretsOf(cfg).join(' ')).toContain(CANARY);
    const logged: unknown[] = [];
    const rec = (level: string) => (obj: object, msg?: string) => logged.push([level, obj, msg]);
    const log: NotifierLogger = { info: rec('info'), warn: rec('warn'), error: rec('error') };
    const notifier = createNotifier('canary', cfg, { log, timeoutMs: TIMEOUT_MS });

    const started = Date.now();
    const d = await notifier.send(firingBatch(), new AbortController().signal);
    expect(d.kind).toBe(kind);
    // A hang ends at the attempt's deadline, not the receiver's whim.
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 2000);
    expect(leaked(JSON.stringify(d))).toEqual([]);
    expect(leaked(JSON.stringify(logged))).toEqual([]);
    if (d.kind !== 'sent') expect(logged.length).toBeGreaterThan(0);
  });
});

const HTTP_CHANNELS = ['webhook', 'slack', 'ntfy', 'pagerduty'] as const;
const quiet: NotifierLogger = { info() {}, warn() {}, error() {} };
/** Sends one batch through `channel` while the receiver answers `reply`. */
async function sendWith(channel: Channel, reply: Reply): Promise<Delivery> {
  const cfg = receiverSchema.parse(await harnesses[channel].config('ok'));
  rx.reply(reply);
  return createNotifier('r', cfg, { log: quiet, timeoutMs: 2000 }).send(firingBatch(), new AbortController().signal);
}

describe('rate limits and idempotency over the wire', () => {
  test.each(HTTP_CHANNELS)('%s: 429 with a Discord-style JSON body retries after its retry_after', async (channel) => {
    const body = '{"message":"rate limited","retry_after":2.5}';
    expect(await sendWith(channel, { kind: 'status', status: 429, body, headers: { 'content-type': 'application/json' } }))
      .toMatchObject({ kind: 'retry', status: 429, retryAfterMs: 2500 });
  });

  test.each(HTTP_CHANNELS)('%s: 429 with Retry-After: 7 retries after 7000 ms', async (channel) => {
    expect(await sendWith(channel, { kind: 'retryAfter', value: '7' })).toMatchObject({ kind: 'retry', status: 429, retryAfterMs: 7000 });
  });

  test.each(HTTP_CHANNELS)('%s: the request carries the notification\'s Idempotency-Key, not the group\'s dedup key (faults F8)', async (channel) => {
    expect(await sendWith(channel, { kind: 'status', status: 200 })).toMatchObject({ kind: 'sent' });
    expect(rx.requests.at(-1)?.headers['idempotency-key']).toBe('ik-fedcba9876543210');
  });
});
