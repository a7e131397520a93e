/**
 * The heartbeat ping (alerting.heartbeat.url): a GET every interval while the daemon is collecting.
 * Silence is the signal: the receiving side (a dead man's switch) alerts on a missed ping.
 */
import type http from 'node:http';
import { httpGet } from '../../sources/http-get.js';
import type { Clock } from '../../model/clock.js';
import type { Logger } from '../collector.js';
import { everyPeriod, type Job } from './job.js';

const PING_TIMEOUT_MS = 10_000;

export function heartbeatJob(d: { url: string; intervalMs: number; clock: Clock; log: Logger; agent: http.Agent; collecting: () => boolean }): Job {
  return everyPeriod(d.intervalMs, d.clock, async () => {
    if (!d.collecting()) return;
    const res = await httpGet(d.url, { timeoutMs: PING_TIMEOUT_MS, maxBytes: 64 * 1024, agent: d.url.startsWith('http:') ? d.agent : undefined });
    if (!res.ok || res.status >= 400) d.log.warn({ failure: res.ok ? `HTTP ${res.status}` : res.failure }, 'heartbeat ping failed');
  });
}
