import { expect, test } from 'vitest';
import { defaultConfig } from '../config/defaults.js';
import { ManualClock } from '../model/clock.js';
import type { NewEvent } from '../model/events.js';
import type { SseObservation } from '../sources/sse-types.js';
import { HubCollector } from './collector.js';
import { WriteBuffer } from './write-buffer.js';

test('a server whose child writes through the hub (stderr, an MCP log notification, a list change) is reported alive; other lines are not', async () => {
  let emit: (o: SseObservation) => void = () => {};
  const alive: string[] = [];
  const collector = new HubCollector({ url: 'http://127.0.0.1:9', origin: 'flag' }, {
    cfg: defaultConfig(), clock: new ManualClock(), agent: undefined as never, pollIntervalMs: 5_000, timeoutMs: 1_000,
    writer: new WriteBuffer({ insertSamples: () => {}, insertEvents: () => {} }),
    log: { info() {}, warn() {}, error() {} },
    startSse: (o) => {
      emit = o.onObservation;
      return { stop: async () => {}, stats: () => ({ connected: true, reconnects: 0, eventsTotal: 0 }) };
    },
    onServerAlive: (server) => alive.push(server),
  });
  collector.start();
  const log = (level: string, message: string) => emit({ kind: 'log', hub: 'h', at: 1, level, message });
  log('warn', 'filesystem stderr: Secure MCP Filesystem Server running on stdio');
  log('debug', '["everything" server info log]: {\n  "message": "tick"\n}');
  log('debug', "'frozen' transport closed");
  log('info', 'Hub is ready');
  emit({ kind: 'subscription', hub: 'h', at: 1, type: 'tool_list_changed', server: 'everything', payload: { server: 'everything', tools: [] } });
  emit({ kind: 'subscription', hub: 'h', at: 1, type: 'servers_updated', server: 'x', payload: {} });
  expect(alive).toEqual(['filesystem', 'everything', 'everything']);
  await collector.stop();
});

test('subscription events are stored by the catalogue: the hub\'s pass-through types under their name, a type the hub does not send today as hub_subscription', async () => {
  let emit: (o: SseObservation) => void = () => {};
  const stored: NewEvent[] = [];
  const collector = new HubCollector({ url: 'http://127.0.0.1:9', origin: 'flag' }, {
    cfg: defaultConfig(), clock: new ManualClock(), agent: undefined as never, pollIntervalMs: 5_000, timeoutMs: 1_000,
    writer: new WriteBuffer({ insertSamples: () => {}, insertEvents: (rows) => stored.push(...rows) }),
    log: { info() {}, warn() {}, error() {} },
    startSse: (o) => {
      emit = o.onObservation;
      return { stop: async () => {}, stats: () => ({ connected: true, reconnects: 0, eventsTotal: 0 }) };
    },
  });
  collector.start();
  const changes = { modified: ['x'] };
  emit({ kind: 'subscription', hub: 'h', at: 1, type: 'servers_updated', payload: { changes } });
  emit({ kind: 'subscription', hub: 'h', at: 2, type: 'workspaces_updated', payload: { workspaces: {} } });
  emit({ kind: 'subscription', hub: 'h', at: 3, type: 'hub_reloaded\u001b[2J', server: 'x', payload: { changes } });
  emit({ kind: 'subscription', hub: 'h', at: 4, type: 'config_changed', payload: { isSignificant: 'yes', newConfig: { mcpServers: { a: { env: { TOKEN: 's3cret' } } } } } });
  expect(stored.map(({ t, type, server, data }) => ({ t, type, server, data }))).toEqual([
    { t: 1, type: 'servers_updated', server: undefined, data: { changes } },
    { t: 2, type: 'workspaces_updated', server: undefined, data: undefined },
    { t: 3, type: 'hub_subscription', server: 'x', data: { subscription: 'hub_reloaded\u001b[2J', changes } },
    { t: 4, type: 'config_changed', server: undefined, data: { isSignificant: null, servers: ['a'] } },
  ]);
  await collector.stop();
});
