import { expect, test } from 'vitest';
import { defaultConfig } from '../config/defaults.js';
import { ManualClock } from '../model/clock.js';
import { HubCollector, type SseObservationLike } from './collector.js';
import { WriteBuffer } from './write-buffer.js';

test('a server whose child writes through the hub (stderr, an MCP log notification, a list change) is reported alive; other lines are not', async () => {
  let emit: (o: SseObservationLike) => void = () => {};
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
  const log = (level: string, message: string) => emit({ kind: 'log', at: 1, level, message });
  log('warn', 'filesystem stderr: Secure MCP Filesystem Server running on stdio');
  log('debug', '["everything" server info log]: {\n  "message": "tick"\n}');
  log('debug', "'frozen' transport closed");
  log('info', 'Hub is ready');
  emit({ kind: 'subscription', at: 1, type: 'tool_list_changed', server: 'everything', payload: { server: 'everything', tools: [] } });
  emit({ kind: 'subscription', at: 1, type: 'servers_updated', server: 'x', payload: {} });
  expect(alive).toEqual(['filesystem', 'everything', 'everything']);
  await collector.stop();
});
