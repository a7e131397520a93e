/**
 * The event types the daemon stores, so `history --events <type>` can tell a type that simply did not
 * happen (no rows, exit 0) from a typo (exit 3, with the types listed). The hub's own SSE subscription
 * types pass through as events too (those mcp-hub sends are listed); any type found in the store is known
 * as well.
 */
export const EVENT_TYPES: readonly string[] = [
  // polls and the hub
  'hub_state', 'poll_failed', 'poll_recovered', 'server_status', 'server_dead', 'server_removed',
  // the SSE stream and the hub's log
  'sse_open', 'sse_close', 'transport_closed', 'log', 'log_summary',
  'tool_list_changed', 'config_changed', 'servers_updated', 'servers_updating', 'workspaces_updated',
  'resource_list_changed', 'prompt_list_changed',
  // probes and canaries
  'probe_disagreement', 'probe_recovered', 'canary_failed', 'canary_recovered',
  // the daemon itself
  'clock_jump', 'daemon_paused', 'slots_skipped', 'job_result', 'store_corrupt',
  'config_reloaded', 'config_reload_failed', 'alert_firing', 'alert_resolved',
];
