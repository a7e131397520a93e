/**
 * Slack incoming webhook, shaped like Alertmanager's Slack notifier: one attachment with a colour, a title
 * (≤ 1024 runes, Alertmanager's limit) and mrkdwn text listing the alerts, "+N more" past the limit. Hub
 * strings are escaped by Slack's rules (`&`, `<`, `>` only), so `<!channel>` or `<http://evil|x>` in a server
 * name shows as text instead of pinging everyone or linking. `link_names` is never set, so `@here` is text.
 */
import { z } from 'zod';
import type { AlertBatch, AlertItem, Notifier, NotifierDeps } from './types.js';
import { secretUrl } from './secret.js';
import { sendJson } from './http.js';
import { alertLine, batchTitle, countAlerts, listWithin, topSeverity } from './summary.js';
import { runeLength, stripControls, truncateRunes } from './truncate.js';

/** Slack's attachment title limit, in runes (Alertmanager truncates to the same). */
export const SLACK_TITLE_RUNES = 1024;
/** Our cap on the attachment text: Slack folds longer texts behind "Show more" and cuts at 40,000. */
export const SLACK_TEXT_RUNES = 3000;
/** Most alerts listed before "+N more". */
export const SLACK_MAX_ALERTS = 20;
/** Most runes of one alert's line (its summary). */
export const SLACK_LINE_RUNES = 500;
/** Most runes of one alert's description. */
export const SLACK_DESCRIPTION_RUNES = 300;

/** Config of a `slack` receiver. */
export const slackSchema = z.object({
  url: secretUrl().describe('Slack incoming-webhook URL (a secret: env:NAME or file:/path work)'),
  channel: z.string().min(1).optional().describe('Channel override, e.g. "#ops"; default: the webhook\'s own channel'),
}).strict();

/** A parsed `slack` receiver config. */
export type SlackConfig = z.output<typeof slackSchema>;

/** The Slack webhook body we send. */
export interface SlackBody {
  channel?: string;
  attachments: {
    color: string;
    title: string;
    title_link?: string;
    text: string;
    fallback: string;
    mrkdwn_in: ['text'];
  }[];
}

/** Escapes text for Slack mrkdwn: `&`, `<` and `>` are the only control characters Slack defines. */
export function escapeSlack(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

// Escape first, then cut: the limit applies to what Slack receives. A cut inside an entity ("&am…") would
// show as garbage, so a dangling partial entity is dropped with the cut.
function escapedWithin(s: string, maxRunes: number): string {
  const cut = truncateRunes(escapeSlack(s), maxRunes);
  return cut.endsWith('…') ? cut.replace(/&(?:a|am|amp|l|lt|g|gt)?…$/, '…') : cut;
}

function colour(batch: AlertBatch): string {
  if (batch.status === 'resolved') return 'good';
  return { critical: 'danger', warning: 'warning', info: '#439FE0' }[topSeverity(batch)];
}

function alertItem(a: AlertItem): string {
  const head = escapedWithin(alertLine(a), SLACK_LINE_RUNES);
  if (!a.description) return head;
  // A quoted block keeps a multi-line description visibly under its alert.
  const desc = escapedWithin(stripControls(a.description), SLACK_DESCRIPTION_RUNES);
  return `${head}\n${desc.split('\n').map((l) => `>${l}`).join('\n')}`;
}

/** The exact request body for a batch. */
export function renderSlack(batch: AlertBatch, cfg: Pick<SlackConfig, 'channel'>): SlackBody {
  const title = escapedWithin(batchTitle(batch), SLACK_TITLE_RUNES);
  const { firing, resolved } = countAlerts(batch);
  // Firing alerts come first in a batch, so a cut list shows what is firing.
  const text = listWithin(batch.alerts.map(alertItem), {
    budget: SLACK_TEXT_RUNES,
    maxItems: SLACK_MAX_ALERTS,
    measure: runeLength,
    more: (n) => `+${n} more (${firing} firing, ${resolved} resolved in all)`,
  });
  const attachment: SlackBody['attachments'][number] = { color: colour(batch), title, text, fallback: title, mrkdwn_in: ['text'] };
  if (batch.externalUrl) attachment.title_link = batch.externalUrl;
  // No top-level `text`: Slack would show the title twice; `fallback` is what push notifications show.
  return { ...(cfg.channel ? { channel: cfg.channel } : {}), attachments: [attachment] };
}

/** A notifier posting to a Slack incoming webhook. */
export function createSlackNotifier(name: string, cfg: SlackConfig, deps: NotifierDeps): Notifier {
  return {
    channel: 'slack',
    minIntervalMs: 1000, // Slack's incoming webhooks take about one message per second
    name,
    send: (batch, signal) => sendJson(cfg.url, renderSlack(batch, cfg), {
      channel: 'slack', receiver: name, deps, signal, secrets: [cfg.url], idempotencyKey: batch.idempotencyKey,
    }),
  };
}
