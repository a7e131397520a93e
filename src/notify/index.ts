/**
 * The channel registry: one line per channel. The receiver config union, the `Channel` type, secret
 * discovery and the receiver docs all derive from it, so a new channel is two files and one line here.
 */
import { z } from 'zod';
import type { Notifier, NotifierDeps } from './types.js';
import { inputJsonSchema, type JsonSchema, typeName, TYPE_KEYWORD } from '../config/json-schema.js';
import { redactingLogger, secretRedactor, urlUserinfo } from './secret.js';
import { redactDelivery } from './delivery.js';
import { commandSchema, createCommandNotifier } from './command.js';
import { createDesktopNotifier, desktopSchema } from './desktop.js';
import { createEmailNotifier, emailSchema } from './email.js';
import { createNtfyNotifier, ntfySchema } from './ntfy.js';
import { createPagerdutyNotifier, pagerdutySchema } from './pagerduty.js';
import { createSlackNotifier, slackSchema } from './slack.js';
import { createWebhookNotifier, webhookSchema } from './webhook.js';

/** Every channel: its config schema and its notifier factory. */
export const channels = {
  webhook: { schema: webhookSchema, create: createWebhookNotifier },
  slack: { schema: slackSchema, create: createSlackNotifier },
  ntfy: { schema: ntfySchema, create: createNtfyNotifier },
  pagerduty: { schema: pagerdutySchema, create: createPagerdutyNotifier },
  email: { schema: emailSchema, create: createEmailNotifier },
  desktop: { schema: desktopSchema, create: createDesktopNotifier },
  command: { schema: commandSchema, create: createCommandNotifier },
} as const;

/** A channel type, e.g. `"slack"`. */
export type Channel = keyof typeof channels;

/** The channel names, in registry order. */
export const channelNames = Object.keys(channels) as Channel[];

/** A parsed receiver config: a channel's config plus its `type`. */
export type ReceiverConfig = { [C in Channel]: z.output<(typeof channels)[C]['schema']> & { type: C } }[Channel];
/** A receiver config as written in the file. */
export type ReceiverInput = { [C in Channel]: z.input<(typeof channels)[C]['schema']> & { type: C } }[Channel];

const variants = channelNames.map((c) => channels[c].schema.extend({
  type: z.literal(c).describe(`Channel type: ${c}`),
}));

/** One receiver: a union on `type` built from the registry; each variant is `.strict()`. */
export const receiverSchema = z.discriminatedUnion('type', variants as unknown as [typeof variants[number], ...typeof variants])
  .describe(`A notification receiver; type is one of ${channelNames.join(', ')}`) as unknown as z.ZodType<ReceiverConfig, ReceiverInput>;

/**
 * Builds the notifier of a parsed receiver config. Whatever the channel does, every text it returns or logs
 * goes through the redaction of every form of its config's secrets (URL userinfo and its base64 as an
 * `Authorization: Basic` header carries it, tokens, passwords): the one place the outbox's last_error, the
 * logs, `notify test`, the notifier.broken alert and notifier-health.json get their text from (faults F6).
 */
export function createNotifier(name: string, cfg: ReceiverConfig, deps: NotifierDeps): Notifier {
  // The union guarantees `cfg` matches `channels[cfg.type].schema`; TypeScript cannot correlate the two.
  const create = channels[cfg.type].create as (name: string, cfg: ReceiverConfig, deps: NotifierDeps) => Notifier;
  const redact = secretRedactor(secretsOf(cfg));
  const notifier = create(name, cfg, { ...deps, log: redactingLogger(deps.log, redact) });
  return { ...notifier, send: async (batch, signal) => redactDelivery(await notifier.send(batch, signal), redact) };
}

const jsonSchemas = new Map<Channel, JsonSchema>();

/** A channel's config as JSON Schema (what a user writes), derived once. */
function jsonSchemaOf(c: Channel): JsonSchema {
  let s = jsonSchemas.get(c);
  if (!s) jsonSchemas.set(c, (s = inputJsonSchema(channels[c].schema)));
  return s;
}

const isSecret = (s: JsonSchema | boolean | undefined) => typeof s === 'object' && s[TYPE_KEYWORD] === 'secret';
const strings = (vs: unknown[]) => vs.filter((v): v is string => typeof v === 'string');

/**
 * Every secret value in a parsed receiver config (URLs, tokens, passwords, secret env values), and the
 * userinfo of any other URL in it (an ntfy or PagerDuty `url` with `user:pass@` sends it as Basic auth).
 */
export function secretsOf(cfg: ReceiverConfig): string[] {
  const out: string[] = [];
  for (const [key, field] of Object.entries(jsonSchemaOf(cfg.type).properties ?? {})) {
    const value = (cfg as Record<string, unknown>)[key];
    if (typeof value === 'string') out.push(...(isSecret(field) ? [value] : urlUserinfo(value)));
    else if (Array.isArray(value) && isSecret(field.items)) out.push(...strings(value));
    else if (value && typeof value === 'object' && isSecret(field.additionalProperties)) out.push(...strings(Object.values(value)));
  }
  return out.filter((s) => s.length > 0);
}

/** Markdown: one table per channel (key, type, default, meaning) from the schemas' JSON Schema. */
export function renderReceiverDocs(): string {
  const cell = (t: string) => t.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const parts: string[] = [];
  for (const c of channelNames) {
    const lines = [`### \`type: ${c}\``, '', '| key | type | default | meaning |', '|---|---|---|---|'];
    const s = jsonSchemaOf(c);
    for (const [key, field] of Object.entries(s.properties ?? {})) {
      const dflt = field.default;
      const text = typeof dflt === 'string' ? dflt : JSON.stringify(dflt);
      const shown = dflt !== undefined ? `\`${cell(text)}\`` : s.required?.includes(key) ? '*required*' : '';
      lines.push(`| \`${key}\` | ${typeName(field)} | ${shown} | ${cell(field.description ?? '')} |`);
    }
    parts.push(lines.join('\n'));
  }
  return parts.join('\n\n') + '\n';
}
