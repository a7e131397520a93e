/**
 * E-mail over SMTP with nodemailer, loaded only when an e-mail receiver sends (it costs start-up time every
 * other command would pay). SMTP outcomes follow the HTTP table (faults C14): connection refused, timeouts
 * and 4xx replies are `retry`, 5xx replies `failed`. Subject ≤ 200 runes; the HTML part escapes every hub
 * string; nodemailer may read no file or URL named in a message.
 */
import { z } from 'zod';
import type { AlertBatch, AlertItem, Delivery, Notifier, NotifierDeps } from './types.js';
import { base64Forms, secret } from './secret.js';
import { logDelivery } from './http.js';
import { sanitiseSnippet } from './delivery.js';
import { formatDuration } from '../config/duration.js';
import { alertLine, batchTitle, countAlerts, escapeHtml } from './summary.js';
import { stripControls, truncateRunes } from './truncate.js';

/** Subject limit in runes (long subjects are folded or cut by mail clients anyway). */
export const EMAIL_SUBJECT_RUNES = 200;
/** Most alerts listed before "+N more". */
export const EMAIL_MAX_ALERTS = 100;
/** Most runes of one alert's description. */
export const EMAIL_DESCRIPTION_RUNES = 2000;

/** Config of an `email` receiver. */
export const emailSchema = z.object({
  host: z.string().min(1).describe('SMTP server host'),
  port: z.number().int().min(1).max(65535).default(587).describe('SMTP server port'),
  secure: z.boolean().default(false).describe('TLS from the first byte (usually port 465); false = STARTTLS when offered'),
  user: z.string().min(1).optional().describe('SMTP user; omit to send without authentication'),
  password: secret().optional().describe('SMTP password (a secret: env:NAME or file:/path work)'),
  from: z.string().min(1).describe('Sender, e.g. "MCP Hub Monitor <monitor@example.com>"'),
  to: z.array(z.string().min(1)).min(1).describe('Recipient addresses'),
}).strict();

/** A parsed `email` receiver config. */
export type EmailConfig = z.output<typeof emailSchema>;

/** The message we hand to nodemailer. */
export interface EmailMessage {
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
}

const descriptionOf = (a: AlertItem) => (a.description ? truncateRunes(stripControls(a.description), EMAIL_DESCRIPTION_RUNES) : '');

/** The exact message for a batch: subject, plain text and HTML. */
export function renderEmail(batch: AlertBatch, cfg: Pick<EmailConfig, 'from' | 'to'>): EmailMessage {
  const title = batchTitle(batch);
  const shown = batch.alerts.slice(0, EMAIL_MAX_ALERTS);
  const { firing, resolved } = countAlerts(batch);
  const rest = batch.alerts.length - shown.length;
  const moreText = rest > 0 ? `+${rest} more (${firing} firing, ${resolved} resolved in all)` : '';

  const text = [title, '', ...shown.flatMap((a) => [alertLine(a), ...(a.description ? [descriptionOf(a)] : []), ''])];
  if (moreText) text.push(moreText, '');
  if (batch.externalUrl) text.push(`Full text: ${batch.externalUrl}`, '');

  const items = shown.map((a) => `<li><strong>${escapeHtml(alertLine(a))}</strong>`
    + (a.description ? `<pre style="white-space:pre-wrap">${escapeHtml(descriptionOf(a))}</pre>` : '') + '</li>');
  const html = [`<h2>${escapeHtml(title)}</h2>`, `<ul>${items.join('')}</ul>`];
  if (moreText) html.push(`<p>${escapeHtml(moreText)}</p>`);
  if (batch.externalUrl) html.push(`<p><a href="${escapeHtml(batch.externalUrl)}">Full text</a></p>`);

  return {
    from: cfg.from,
    to: cfg.to,
    subject: truncateRunes(title, EMAIL_SUBJECT_RUNES),
    text: text.join('\n'),
    html: `<!doctype html><html><body>${html.join('\n')}</body></html>`,
  };
}

// nodemailer error codes that mean the server could not be reached or the exchange broke off.
const TRANSIENT = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ETLS', 'EPROTOCOL']);

/** Maps a nodemailer error to a `Delivery`: 4xx replies and connection trouble retry, 5xx replies fail. */
export function deliveryFromSmtpError(err: unknown, where: string, secrets: readonly string[]): Delivery {
  const e = err as { code?: string; responseCode?: number; message?: string };
  const error = `${where}: ${sanitiseSnippet(String(e.message ?? err), secrets) || 'error'}`;
  const status = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  if (status !== undefined && status >= 500) return { kind: 'failed', error, status };
  if (status !== undefined && status >= 400) return { kind: 'retry', error, status };
  if (e.code && TRANSIENT.has(e.code)) return { kind: 'retry', error };
  // Configuration trouble (no credentials, a bad address) does not heal by retrying.
  if (e.code === 'ENOAUTH' || e.code === 'EENVELOPE' || e.code === 'ECONFIG' || e.code === 'EAUTH') return { kind: 'failed', error };
  return { kind: 'retry', error };
}

/** A notifier sending each batch as one e-mail. */
export function createEmailNotifier(name: string, cfg: EmailConfig, deps: NotifierDeps): Notifier {
  // AUTH PLAIN sends base64("\0user\0password"): an echoing server can only quote that whole.
  const secrets = cfg.password ? [cfg.password, ...(cfg.user ? base64Forms(`\0${cfg.user}\0${cfg.password}`) : [])] : [];
  const where = `SMTP ${cfg.host}:${cfg.port}`;
  const attempt = async (batch: AlertBatch, signal: AbortSignal): Promise<Delivery> => {
    if (signal.aborted) return { kind: 'retry', error: `${where}: aborted` };
    const nodemailer = await import('nodemailer');
    const t = deps.timeoutMs;
    const transport = nodemailer.createTransport({
      host: cfg.host, port: cfg.port, secure: cfg.secure,
      ...(cfg.user ? { auth: { user: cfg.user, pass: cfg.password ?? '' } } : {}),
      connectionTimeout: t, greetingTimeout: t, socketTimeout: t,
      disableFileAccess: true, disableUrlAccess: true,
    });
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    // nodemailer's timeouts are per phase; this is the attempt's total deadline, and the abort.
    const stop = new Promise<Delivery>((resolve) => {
      timer = setTimeout(() => resolve({ kind: 'retry', error: `${where}: no complete SMTP exchange within ${formatDuration(t)}` }), t);
      onAbort = () => resolve({ kind: 'retry', error: `${where}: aborted` });
      signal.addEventListener('abort', onAbort, { once: true });
    });
    const sending = transport.sendMail(renderEmail(batch, cfg))
      .then((): Delivery => ({ kind: 'sent' }), (err: unknown) => deliveryFromSmtpError(err, where, secrets));
    try {
      return await Promise.race([sending, stop]);
    } finally {
      clearTimeout(timer);
      if (onAbort) signal.removeEventListener('abort', onAbort);
      transport.close();
    }
  };
  return {
    channel: 'email',
    name,
    async send(batch, signal) {
      let d: Delivery;
      try {
        d = await attempt(batch, signal);
      } catch (err) {
        d = deliveryFromSmtpError(err, where, secrets);
      }
      logDelivery(deps, 'email', name, d);
      return d;
    },
  };
}
