/**
 * ntfy (https://ntfy.sh or a self-hosted server) through its JSON publish API: one POST to the server's base
 * URL with the topic in the body. ntfy v2.28 rejects a title over 1 KB or tags over 512 B with a 400, and
 * turns a message over 4 KB into an attachment, so all three are cut to size here (faults C12).
 */
import { z } from 'zod';
import type { AlertBatch, AlertItem, AlertSeverity, Notifier, NotifierDeps } from './types.js';
import { secret } from './secret.js';
import { sendJson } from './http.js';
import { alertLine, batchTitle, countAlerts, listWithin, topSeverity } from './summary.js';
import { byteLength, oneLine, stripControls, truncateBytes, truncateRunes } from './truncate.js';

/** ntfy's title limit in UTF-8 bytes. */
export const NTFY_TITLE_BYTES = 1024;
/** ntfy's limit on all tags together (comma-joined), in bytes. */
export const NTFY_TAGS_BYTES = 512;
/** ntfy's message limit in bytes (beyond it the message becomes an attachment). */
export const NTFY_MESSAGE_BYTES = 4096;

/** Config of an `ntfy` receiver. */
export const ntfySchema = z.object({
  url: z.url({ protocol: /^https?$/, error: 'not an http(s) URL. Write e.g. https://ntfy.sh' }).default('https://ntfy.sh')
    .describe('ntfy server base URL'),
  topic: secret().describe('Topic to publish to; on a public server the topic name is the password, so it is a secret'),
  token: secret().optional().describe('Access token, sent as Authorization: Bearer (a secret)'),
}).strict();

/** A parsed `ntfy` receiver config. */
export type NtfyConfig = z.output<typeof ntfySchema>;

/** The ntfy JSON publish body we send. */
export interface NtfyBody {
  topic: string;
  title: string;
  message: string;
  priority: 1 | 2 | 3 | 4 | 5;
  tags: string[];
  click?: string;
}

const PRIORITY: Record<AlertSeverity, NtfyBody['priority']> = { critical: 5, warning: 4, info: 3 };

/** ntfy priority of a batch: 5 (urgent) critical, 4 warning, 3 info; 3 once resolved. */
export function ntfyPriority(batch: AlertBatch): NtfyBody['priority'] {
  return batch.status === 'resolved' ? 3 : PRIORITY[topSeverity(batch)];
}

// Emoji shortcodes first (ntfy shows them as icons), then the rules, while the joined tags fit in 512 bytes.
function tagsOf(batch: AlertBatch): string[] {
  const lead = batch.status === 'firing' ? ['rotating_light', topSeverity(batch)] : ['white_check_mark', 'resolved'];
  if (batch.test) lead.push('test');
  const rules = [...new Set(batch.alerts.map((a) => truncateRunes(oneLine(a.rule).replace(/,/g, ' '), 64)))];
  const tags: string[] = [];
  let used = 0;
  for (const t of [...lead, ...rules]) {
    const cost = byteLength(t) + (tags.length > 0 ? 1 : 0);
    if (!t || used + cost > NTFY_TAGS_BYTES) continue;
    tags.push(t);
    used += cost;
  }
  return tags;
}

function alertItem(a: AlertItem): string {
  const head = truncateBytes(alertLine(a), 512);
  return a.description ? `${head}\n${truncateBytes(stripControls(a.description), 600)}` : head;
}

/** The exact request body for a batch. */
export function renderNtfy(batch: AlertBatch, cfg: Pick<NtfyConfig, 'topic'>): NtfyBody {
  const { firing, resolved } = countAlerts(batch);
  const message = listWithin(batch.alerts.map(alertItem), {
    budget: NTFY_MESSAGE_BYTES,
    maxItems: 50,
    measure: byteLength,
    separator: '\n\n',
    more: (n) => `+${n} more (${firing} firing, ${resolved} resolved in all)`,
  });
  const body: NtfyBody = {
    topic: cfg.topic,
    title: truncateBytes(batchTitle(batch), NTFY_TITLE_BYTES),
    message: message || truncateBytes(batchTitle(batch), NTFY_MESSAGE_BYTES),
    priority: ntfyPriority(batch),
    tags: tagsOf(batch),
  };
  if (batch.externalUrl) body.click = batch.externalUrl;
  return body;
}

/** A notifier publishing to an ntfy topic. */
export function createNtfyNotifier(name: string, cfg: NtfyConfig, deps: NotifierDeps): Notifier {
  const secrets = [cfg.topic, ...(cfg.token ? [cfg.token] : [])];
  return {
    channel: 'ntfy',
    minIntervalMs: 1000, // ntfy.sh refills its burst of 60 one message per 5 s; one a second stays inside it
    name,
    send: (batch, signal) => sendJson(cfg.url, renderNtfy(batch, cfg), {
      channel: 'ntfy', receiver: name, deps, signal, secrets, idempotencyKey: batch.idempotencyKey,
      ...(cfg.token ? { headers: { authorization: `Bearer ${cfg.token}` } } : {}),
    }),
  };
}
