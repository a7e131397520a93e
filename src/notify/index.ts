/**
 * The channel registry: one line per channel. The receiver config union, the `Channel` type, secret
 * discovery and the receiver docs all derive from it, so a new channel is two files and one line here.
 */
import { z } from 'zod';
import type { Notifier, NotifierDeps } from './types.js';
import { isSecretSchema, redactingLogger, secretRedactor, urlUserinfo } from './secret.js';
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

type Def = Record<string, unknown> & { type: string };
const defOf = (s: unknown) => (s as { _zod: { def: Def } })._zod.def;

// Optional and default wrappers hide the schema that says what a key is.
function unwrap(s: unknown): { inner: unknown; dflt?: unknown; optional: boolean } {
  let cur = s;
  let dflt: unknown;
  let optional = false;
  for (;;) {
    if (isSecretSchema(cur)) return { inner: cur, dflt, optional };
    const def = defOf(cur);
    if (def.type === 'optional') optional = true;
    else if (def.type === 'default' || def.type === 'prefault') dflt = def.defaultValue;
    else return { inner: cur, dflt, optional };
    cur = def.innerType;
  }
}

/**
 * Every secret value in a parsed receiver config (URLs, tokens, passwords, secret env values), and the
 * userinfo of any other URL in it (an ntfy or PagerDuty `url` with `user:pass@` sends it as Basic auth).
 */
export function secretsOf(cfg: ReceiverConfig): string[] {
  const shape = channels[cfg.type].schema.shape as Record<string, unknown>;
  const out: string[] = [];
  for (const [key, schema] of Object.entries(shape)) {
    const value = (cfg as Record<string, unknown>)[key];
    const { inner } = unwrap(schema);
    if (isSecretSchema(inner) && typeof value === 'string') out.push(value);
    else if (typeof value === 'string') out.push(...urlUserinfo(value));
    const def = defOf(inner);
    if (def.type === 'record' && isSecretSchema(def.valueType) && value && typeof value === 'object') {
      for (const v of Object.values(value)) if (typeof v === 'string') out.push(v);
    }
    if (def.type === 'array' && isSecretSchema(def.element) && Array.isArray(value)) {
      for (const v of value) if (typeof v === 'string') out.push(v);
    }
  }
  return out.filter((s) => s.length > 0);
}

function typeName(schema: unknown): string {
  if (isSecretSchema(schema)) return 'secret';
  const def = defOf(schema);
  switch (def.type) {
    case 'string': return def.format === 'url' ? 'URL' : 'string';
    case 'array': return `list of ${typeName(def.element)}`;
    case 'record': return `map of name to ${typeName(def.valueType)}`;
    case 'enum': return Object.keys(def.entries as Record<string, unknown>).map((v) => `\`${v}\``).join(' \\| ');
    default: return def.type;
  }
}

/** Markdown: one table per channel (key, type, default, meaning) from the schemas' `.describe()` texts. */
export function renderReceiverDocs(): string {
  const cell = (t: string) => t.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const parts: string[] = [];
  for (const c of channelNames) {
    const lines = [`### \`type: ${c}\``, '', '| key | type | default | meaning |', '|---|---|---|---|'];
    for (const [key, schema] of Object.entries(channels[c].schema.shape as Record<string, unknown>)) {
      const { inner, dflt, optional } = unwrap(schema);
      const described = (schema as { description?: string }).description ?? '';
      const text = typeof dflt === 'string' ? dflt : JSON.stringify(dflt);
      const shown = dflt === undefined ? (optional ? '' : '*required*') : `\`${cell(text)}\``;
      lines.push(`| \`${key}\` | ${typeName(inner)} | ${shown} | ${cell(described)} |`);
    }
    parts.push(lines.join('\n'));
  }
  return parts.join('\n\n') + '\n';
}
