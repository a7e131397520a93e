/**
 * Schema version 4: every stored event has a type of the event catalogue (`src/model/events.ts`). Before
 * it, a hub subscription event of a type the monitor did not list was stored under the hub's own name;
 * those rows become `hub_subscription` with the name in `data.subscription` (and their `changes` kept).
 * The list below is the catalogue as version 3 wrote it, fixed here: a migration never changes once shipped.
 */
const V3_TYPES = [
  'hub_state', 'poll_failed', 'poll_recovered', 'server_status', 'server_dead', 'server_removed',
  'sse_open', 'sse_close', 'transport_closed', 'log', 'log_summary',
  'tool_list_changed', 'config_changed', 'servers_updated', 'servers_updating', 'workspaces_updated',
  'resource_list_changed', 'prompt_list_changed',
  'probe_disagreement', 'probe_recovered', 'canary_failed', 'canary_recovered',
  'clock_jump', 'daemon_paused', 'slots_skipped', 'job_result', 'store_corrupt',
  'config_reloaded', 'config_reload_failed', 'alert_firing', 'alert_resolved',
];

/** Data that is not a JSON object (a hand edit) is left as it is: such a row reads as an unknown event. */
export const SCHEMA_V4 = `
UPDATE events SET data = json_set(coalesce(data, '{}'), '$.subscription', type), type = 'hub_subscription'
WHERE type NOT IN (${V3_TYPES.map((t) => `'${t}'`).join(', ')})
  AND (data IS NULL OR (json_valid(data) AND json_type(data) = 'object'));
`;
