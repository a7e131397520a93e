/**
 * What every page of the web dashboard shares: DOM helpers that put hub strings in as text (never as
 * HTML: faults D), the JSON fetch that sends a signed-out browser to the sign-in form, and the live
 * stream that tells a page to redraw.
 */
export type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

export const $ = <T extends HTMLElement>(sel: string) => document.querySelector(sel) as T;

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, cls?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

export async function api(path: string): Promise<Json> {
  const r = await fetch(path, { headers: { accept: 'application/json' } });
  // Signed out (the session cookie expired, or the token changed): back to the sign-in form.
  if (r.status === 401) window.location.assign('/login');
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
  return r.json();
}

/** Follows the daemon's /api/stream: the #live badge says whether it is connected; `onTick` runs on every tick. */
export function live(onTick: () => void): void {
  const es = new EventSource('/api/stream');
  es.addEventListener('open', () => { $('#live').textContent = 'live'; $('#live').className = 'badge live'; });
  es.addEventListener('error', () => { $('#live').textContent = 'reconnecting…'; $('#live').className = 'badge'; });
  es.addEventListener('message', onTick);
  es.addEventListener('tick', onTick);
}
