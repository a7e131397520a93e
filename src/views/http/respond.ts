/** Writing answers: every response carries the security headers and an exact length. */
import type http from 'node:http';
import { toJsonBody } from './api.js';
import { SECURITY_HEADERS } from './security.js';

export const JSON_TYPE = 'application/json; charset=utf-8';
export const HTML_TYPE = 'text/html; charset=utf-8';

export function send(res: http.ServerResponse, status: number, body: string, type = JSON_TYPE, extra: Record<string, string | string[]> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type, 'content-length': String(Buffer.byteLength(body)), ...extra });
  res.end(body);
}

/** A JSON error body `{ error, ...more }`. */
export const sendError = (res: http.ServerResponse, status: number, error: string, extra: Record<string, string | string[]> = {}, more: object = {}): void =>
  send(res, status, toJsonBody({ error, ...more }), JSON_TYPE, extra);
