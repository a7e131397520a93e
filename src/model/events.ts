/**
 * The catalogue of stored events: every type the daemon writes to the `events` table, with the shape of its
 * `data`. This one table gives the type a writer must satisfy (a row with a wrong data shape does not
 * compile), the check a row passes when it is read back, and EVENT_TYPES.
 *
 * Versioning: the shapes hold for rows written at store schema EVENT_SCHEMA_VERSION
 * (`src/store/migrations.ts`) and before; none has changed since its type was first written. A change of
 * shape needs a migration that rewrites the old rows (and a new EVENT_SCHEMA_VERSION), or a check that still
 * accepts them. A row that fits no entry (a type this version does not know, from a newer monitor or a hand
 * edit, or data that fails its check) reads as an `unknown` event carrying its stored type and data:
 * generic readers (`history --events`, `/api/events`, the dashboards) show it, typed readers skip it.
 */

/** Tells whether a JSON value has the type T. */
type Check<T> = (v: unknown) => v is T;
type Checked<C> = C extends Check<infer T> ? T : never;
type Fields = Record<string, Check<unknown>>;
type Flat<T> = { [K in keyof T]: T[K] };
type Shape<R extends Fields, O extends Fields> = Flat<{ [K in keyof R]: Checked<R[K]> } & { [K in keyof O]?: Checked<O[K]> }>;

const string: Check<string> = (v): v is string => typeof v === 'string';
const number: Check<number> = (v): v is number => typeof v === 'number';
const boolean: Check<boolean> = (v): v is boolean => typeof v === 'boolean';
const anything: Check<unknown> = (_v): _v is unknown => true;
const absent: Check<undefined> = (v): v is undefined => v === undefined;
const nullable = <T>(c: Check<T>): Check<T | null> => (v): v is T | null => v === null || c(v);
const either = <A, B>(a: Check<A>, b: Check<B>): Check<A | B> => (v): v is A | B => a(v) || b(v);
const arrayOf = <T>(c: Check<T>): Check<T[]> => (v): v is T[] => Array.isArray(v) && v.every(c);
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const counts: Check<Record<string, number>> = (v): v is Record<string, number> => isObject(v) && Object.values(v).every(number);

/** An object with the `required` fields and maybe the `optional` ones; other keys are kept, not checked. */
function object<R extends Fields, O extends Fields = Record<never, never>>(required: R, optional?: O): Check<Shape<R, O>> {
  return (v): v is Shape<R, O> => isObject(v)
    && Object.entries(required).every(([k, c]) => c(v[k]))
    && Object.entries(optional ?? {}).every(([k, c]) => v[k] === undefined || c(v[k]));
}

const verdictChange = object({ from: nullable(string), to: string, message: string });
const alertChange = object({ rule: string, severity: string, fingerprint: string, summary: string });
/** A hub subscription event passed through: its `changes` when the hub sent any. */
const passedThrough = either(absent, object({ changes: anything }));

const CATALOGUE = {
  // polls and the hub (daemon/observations.ts; hub_state also from the SSE stream, daemon/collector.ts)
  hub_state: object({ state: nullable(string), source: string, pid: nullable(number) }, { previous: nullable(string) }),
  poll_failed: object({ failure: string, message: string }),
  poll_recovered: object({ after: string }),
  /** A settled verdict changed; `server_dead` when it became dead while the hub says connected. */
  server_status: verdictChange,
  server_dead: verdictChange,
  server_removed: object({ from: string }),
  // the SSE stream and the hub's log (daemon/collector.ts)
  sse_open: absent,
  sse_close: object({ reason: string, detail: string }),
  transport_closed: absent,
  log: object({ level: string, message: string }, { code: string }),
  log_summary: object({ from: number, to: number, total: number, byLevel: counts, byCode: counts, sample: arrayOf(string) }),
  /** The semantic diff of the server's tools, or the first list seen of it (`baseline`). */
  tool_list_changed: either(
    object({ added: arrayOf(string), removed: arrayOf(string), changed: arrayOf(object({ name: string, fields: arrayOf(string) })), count: number }),
    object({ baseline: boolean, count: number }),
  ),
  /** Only the fact and the server names: the hub's raw config can hold secrets (faults D14). */
  config_changed: object({ isSignificant: nullable(boolean), servers: arrayOf(string) }),
  servers_updated: passedThrough,
  servers_updating: passedThrough,
  workspaces_updated: passedThrough,
  resource_list_changed: passedThrough,
  prompt_list_changed: passedThrough,
  /** A subscription event of a type the hub does not send today: its name kept as data, not as a stored type. */
  hub_subscription: object({ subscription: string }, { changes: anything }),
  // probes and canaries (daemon/prober.ts)
  probe_disagreement: object({ hubStatus: string, outcome: string, detail: nullable(string), latencyMs: number }),
  probe_recovered: object({ after: string }),
  canary_failed: object({ tool: string, outcome: string, detail: nullable(string) }),
  canary_recovered: object({ tool: string, after: string }),
  // the daemon itself
  clock_jump: object({ deltaMs: number, aheadMs: number, followedMs: number }),
  daemon_paused: object({ lateMs: number }),
  slots_skipped: object({ count: number, lateMs: number }),
  /** A scheduled `anomalies`/`validate` run: its findings not OK, or its output when it printed no report. */
  job_result: object({ job: string, status: string, exitCode: nullable(number), durationMs: number }, {
    problems: arrayOf(object({ id: string, status: string, message: string }, { subject: string })), output: string, error: string,
  }),
  store_corrupt: object({ movedTo: string }),
  config_reloaded: object({ hubs: arrayOf(string) }, { needsRestart: arrayOf(string) }),
  config_reload_failed: object({ error: string }),
  alert_firing: alertChange,
  alert_resolved: alertChange,
  /**
   * A remediation (daemon/jobs/remediation.ts, the `heal` command): what was done (or a dry run would do) to
   * which target (a server, or the hub's URL), why (the alert), who (a rule, or `heal command` and the user),
   * and the result (remediation-types.ts: healed, done, failed, gave_up, dry_run).
   */
  remediation: object({ action: string, target: string, why: string, who: string, dryRun: boolean, result: string }, { rule: string, incident: string, detail: string, durationMs: number }),
} satisfies Record<string, Check<unknown>>;

/**
 * The store schema version (`PRAGMA user_version`) from which on every stored event has a catalogue
 * type: before it, a subscription type the catalogue lacks was stored under its own name (now
 * `hub_subscription`); such rows read as `unknown` events.
 */
export const EVENT_SCHEMA_VERSION = 4;

export type EventType = keyof typeof CATALOGUE;
/** The `data` of an event of type K (undefined for the types that carry none). */
export type EventData<K extends EventType> = Checked<(typeof CATALOGUE)[K]>;
type DataField<K extends EventType> = undefined extends EventData<K> ? { data?: EventData<K> } : { data: EventData<K> };

/** What an event says, without where and when: a catalogue type and its data. */
export type EventBody = { [K in EventType]: Flat<{ type: K } & DataField<K>> }[EventType];
/** An event to store: `data` must already be redacted (it is stored as JSON). */
export type NewEvent = EventBody & { hub: string; t: number; server?: string };

/** A stored event of a catalogued type, read back. */
export type KnownEvent = { [K in EventType]: { id: number; hub: string; t: number; type: K; server: string | null; data: EventData<K> } }[EventType];

/** A stored row that fits no catalogue entry: a type this version does not know, or data that fails its type's check. */
export interface UnknownEvent {
  id: number;
  hub: string;
  t: number;
  type: 'unknown';
  server: string | null;
  data: unknown;
  /** The type the row was stored with. */
  storedType: string;
}

/** A stored event as readers get it: narrow on `type`. */
export type StoredEvent = KnownEvent | UnknownEvent;
export type EventOf<K extends EventType> = Extract<KnownEvent, { type: K }>;

/** A row as the events table holds it, `data` parsed from its JSON. */
export interface RawEvent {
  id: number;
  hub: string;
  t: number;
  type: string;
  server: string | null;
  data: unknown;
}

/** Every catalogued type, in catalogue order. */
export const EVENT_TYPES: readonly EventType[] = Object.keys(CATALOGUE) as EventType[];

export const isEventType = (s: string): s is EventType => Object.hasOwn(CATALOGUE, s);

/** The hub's subscription types stored under their own name, with only their `changes`. */
const PASSED_THROUGH = ['servers_updated', 'servers_updating', 'workspaces_updated', 'resource_list_changed', 'prompt_list_changed'] as const satisfies readonly EventType[];
export const isPassedThrough = (type: string): type is (typeof PASSED_THROUGH)[number] => (PASSED_THROUGH as readonly string[]).includes(type);

/** Reads a row: a catalogued event when its type is known and its data fits, else an unknown event. */
export function decodeEvent(row: RawEvent): StoredEvent {
  const { type } = row;
  if (isEventType(type) && CATALOGUE[type](row.data)) return row as KnownEvent; // checked just now
  return { id: row.id, hub: row.hub, t: row.t, type: 'unknown', server: row.server, data: row.data, storedType: type };
}

export const isKnown = (e: StoredEvent): e is KnownEvent => e.type !== 'unknown';

/** The row as stored (its stored type name), for the outputs that list events of every type. */
export function eventRow(e: StoredEvent): RawEvent {
  return e.type === 'unknown' ? { id: e.id, hub: e.hub, t: e.t, type: e.storedType, server: e.server, data: e.data } : e;
}
