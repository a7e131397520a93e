import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { alert, batch, firingBatch, hostileBatch, stormBatch } from '../../test/support/alert-batches.js';
import { EMAIL_SUBJECT_RUNES, createEmailNotifier, deliveryFromSmtpError, emailSchema, renderEmail, type EmailConfig } from './email.js';
import { runeLength } from './truncate.js';
import type { NotifierLogger } from './types.js';

const log: NotifierLogger = { info() {}, warn() {}, error() {} };
const addr = { from: 'MHM <monitor@example.com>', to: ['ops@example.com'] };

describe('renderEmail', () => {
  test('one firing alert: subject, plain text and HTML', () => {
    expect(renderEmail(firingBatch(), addr)).toEqual({
      from: 'MHM <monitor@example.com>',
      to: ['ops@example.com'],
      subject: '[FIRING:1] server crashy is down',
      text: '[FIRING:1] server crashy is down\n\n[CRITICAL] server crashy is down\nThe hub reports crashy as disconnected.\n\n'
        + 'Full text: http://127.0.0.1:9090/alerts\n',
      html: '<!doctype html><html><body><h2>[FIRING:1] server crashy is down</h2>\n'
        + '<ul><li><strong>[CRITICAL] server crashy is down</strong><pre style="white-space:pre-wrap">The hub reports crashy as disconnected.</pre></li></ul>\n'
        + '<p><a href="http://127.0.0.1:9090/alerts">Full text</a></p></body></html>',
    });
  });

  test('hostile names: every hub string HTML-escaped, the subject one line without controls', () => {
    const m = renderEmail(hostileBatch(), addr);
    expect(m.subject).toBe('[FIRING:1] server ]0;pwned<script>alert(1)</script> *bold* <!channel> is down');
    expect(m.html).not.toContain('<script>');
    expect(m.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; *bold* &lt;!channel&gt;');
    expect(m.text + m.html).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
  });

  test('a subject over 200 runes is cut with "…"; CR/LF in a summary cannot inject a header', () => {
    const m = renderEmail(batch([alert('x', { summary: `a\r\nBcc: victim@example.com\r\n${'ü'.repeat(500)}` })]), addr);
    expect(runeLength(m.subject)).toBe(EMAIL_SUBJECT_RUNES);
    expect(m.subject).toMatch(/^\[FIRING:1\] a Bcc: victim@example.com ü+…$/);
  });

  test('5,000 alerts: 100 listed, then "+4900 more"; the 10 KB description cut to 2000 runes', () => {
    const m = renderEmail(stormBatch(), addr);
    expect(m.text).toContain('\n+4900 more (5000 firing, 0 resolved in all)\n');
    expect(m.html).toContain('<p>+4900 more (5000 firing, 0 resolved in all)</p>');
    expect(m.text.split('\n')[3]).toBe(`${'é'.repeat(1999)}…`);
  });
});

describe('SMTP errors', () => {
  test.each([
    [{ code: 'ECONNECTION', message: 'connect ECONNREFUSED 127.0.0.1:1' }, 'retry'],
    [{ code: 'ETIMEDOUT', message: 'Greeting never received' }, 'retry'],
    [{ code: 'EDNS', message: 'getaddrinfo ENOTFOUND smtp.example' }, 'retry'],
    [{ code: 'EENVELOPE', responseCode: 451, message: '451 try later' }, 'retry'],
    [{ code: 'EMESSAGE', responseCode: 421, message: '421 closing' }, 'retry'],
    [{ code: 'EENVELOPE', responseCode: 550, message: '550 no such user' }, 'failed'],
    [{ code: 'EAUTH', responseCode: 535, message: '535 bad credentials' }, 'failed'],
    [{ code: 'ENOAUTH', message: 'Missing credentials for "PLAIN"' }, 'failed'],
  ])('%j is %s', (err, kind) => {
    expect(deliveryFromSmtpError(err, 'SMTP h:25', []).kind).toBe(kind);
  });
});

describe('emailSchema', () => {
  test('defaults port 587 and secure false; needs at least one recipient', () => {
    expect(emailSchema.parse({ host: 'smtp.example', from: 'a@x', to: ['b@x'] }))
      .toEqual({ host: 'smtp.example', port: 587, secure: false, from: 'a@x', to: ['b@x'] });
    expect(emailSchema.safeParse({ host: 'smtp.example', from: 'a@x', to: [] }).success).toBe(false);
  });
});

interface Received { from?: string; to: string[]; raw: string; user?: string }

describe('sending to a real SMTP server', () => {
  let server: SMTPServer;
  let port: number;
  const received: Received[] = [];
  let rejectRcpt: number | undefined;

  beforeAll(async () => {
    server = new SMTPServer({
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      authMethods: ['PLAIN', 'LOGIN'],
      logger: false,
      onAuth(auth, _session, cb) {
        if (auth.username === 'mhm' && auth.password === 'SECRET123') return cb(null, { user: 'mhm' });
        // A server that quotes the password back, to prove it never reaches our error text.
        return cb(Object.assign(new Error(`Invalid password ${auth.password ?? ''}`), { responseCode: 535 }));
      },
      onRcptTo(address, _session, cb) {
        if (rejectRcpt) return cb(Object.assign(new Error(`No such user ${address.address}`), { responseCode: rejectRcpt }));
        return cb();
      },
      onData(stream, session, cb) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          received.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : undefined,
            to: session.envelope.rcptTo.map((r) => r.address),
            raw: Buffer.concat(chunks).toString('utf8'),
            user: session.user as string | undefined,
          });
          cb();
        });
      },
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  afterEach(() => {
    rejectRcpt = undefined;
  });

  const cfg = (over: Partial<EmailConfig> = {}): EmailConfig => ({
    host: '127.0.0.1', port, secure: false, user: 'mhm', password: 'SECRET123', ...addr, ...over,
  });

  test('the message arrives, authenticated, with its subject, recipients and both parts', async () => {
    const n = createEmailNotifier('mail', cfg(), { log, timeoutMs: 5000 });
    expect(await n.send(firingBatch(), new AbortController().signal)).toEqual({ kind: 'sent' });
    const m = received.at(-1);
    expect(m).toMatchObject({ from: 'monitor@example.com', to: ['ops@example.com'], user: 'mhm' });
    expect(m?.raw).toMatch(/^Subject: \[FIRING:1\] server crashy is down\r$/m);
    expect(m?.raw).toMatch(/^To: ops@example.com\r$/m);
    expect(m?.raw).toContain('Content-Type: text/plain');
    expect(m?.raw).toContain('Content-Type: text/html');
    expect(m?.raw).toContain('The hub reports crashy as disconnected.');
  });

  test('a 550 rejection is failed, with the status, and no retry', async () => {
    rejectRcpt = 550;
    const d = await createEmailNotifier('mail', cfg(), { log, timeoutMs: 5000 }).send(firingBatch(), new AbortController().signal);
    expect(d).toMatchObject({ kind: 'failed', status: 550, error: expect.stringMatching(/^SMTP 127\.0\.0\.1:\d+: .*550/) });
  });

  test('a 450 (mailbox busy) is retried', async () => {
    rejectRcpt = 450;
    const d = await createEmailNotifier('mail', cfg(), { log, timeoutMs: 5000 }).send(firingBatch(), new AbortController().signal);
    expect(d).toMatchObject({ kind: 'retry', status: 450 });
  });

  test('a wrong password is failed (535), and the password the server echoes is redacted', async () => {
    const d = await createEmailNotifier('mail', cfg({ password: 'WRONGPASS99' }), { log, timeoutMs: 5000 })
      .send(firingBatch(), new AbortController().signal);
    expect(d).toMatchObject({ kind: 'failed', status: 535 });
    expect(JSON.stringify(d)).not.toContain('WRONGPASS99');
  });

  test('the server down is retried', async () => {
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const closedPort = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const d = await createEmailNotifier('mail', cfg({ port: closedPort }), { log, timeoutMs: 5000 }).send(firingBatch(), new AbortController().signal);
    expect(d).toMatchObject({ kind: 'retry', error: expect.stringContaining('ECONNREFUSED') });
  });

  test('a server that accepts TCP and never greets is retried within the deadline', async () => {
    const sockets: net.Socket[] = [];
    const mute = net.createServer((s) => sockets.push(s));
    await new Promise<void>((r) => mute.listen(0, '127.0.0.1', r));
    const mutePort = (mute.address() as AddressInfo).port;
    const started = Date.now();
    const d = await createEmailNotifier('mail', cfg({ port: mutePort }), { log, timeoutMs: 400 }).send(firingBatch(), new AbortController().signal);
    expect(d.kind).toBe('retry');
    expect(Date.now() - started).toBeLessThan(2000);
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => mute.close(() => r()));
  });
});
