// F4: token guessing. (a) Wrong guesses from 12,000 loopback source addresses, two each: a global limit
// must answer 429 past a handful per minute, whatever the addresses, and say so in the log. (b) 10 wrong
// guesses from 127.0.0.1 must not lock the right token or a signed-in browser's cookie out.
import { BENCH_TOKEN, probe, startHttpDaemon } from '../lib/http-daemon.mjs';
import http from 'node:http';

const ADDRESSES = 12_000;
const address = (i) => `127.0.${1 + Math.floor(i / 250)}.${1 + (i % 250)}`;

/** Each of ADDRESSES sends `rounds` wrong guesses, `concurrency` at a time; counts the statuses. */
async function guess(d, rounds, concurrency = 32) {
  const counts = {};
  let next = 0;
  const total = ADDRESSES * rounds;
  const worker = async () => {
    for (let i = next++; i < total; i = next++) {
      const r = await probe(d.url, '/api/health', { headers: { authorization: `Bearer guess-${i}-0123456789abcdef` }, localAddress: address(i % ADDRESSES), timeoutMs: 5_000 });
      counts[r.status] = (counts[r.status] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return counts;
}

/** Signs in through the form; resolves the session cookie (name=value) or undefined. */
function signIn(d) {
  return new Promise((resolve) => {
    const body = new URLSearchParams({ token: d.token }).toString();
    const req = http.request(`${d.url}/login`, { method: 'POST', agent: false, headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      resolve(res.statusCode === 303 ? String(res.headers['set-cookie']).split(';')[0] : undefined);
    });
    req.on('error', () => resolve(undefined));
    req.end(body);
  });
}

export const attack = {
  id: 'F4',
  title: 'token guessing from 12,000 loopback addresses; 10 wrong guesses lock the right token out',
  async run() {
    const d = await startHttpDaemon();
    try {
      // (b) first, on a fresh daemon: the lockout of valid credentials.
      const cookie = await signIn(d);
      for (let i = 0; i < 10; i++) await probe(d.url, '/api/health', { headers: { authorization: `Bearer wrong-${i}-0123456789abcdef` } });
      const withToken = (await probe(d.url, '/metrics', { token: BENCH_TOKEN })).status;
      const withCookie = cookie ? (await probe(d.url, '/api/hubs', { headers: { cookie } })).status : 'no cookie';
      // (a) many addresses.
      const t0 = Date.now();
      const counts = await guess(d, 2);
      const s = ((Date.now() - t0) / 1000).toFixed(1);
      const checked = counts[401] ?? 0;
      const limited = counts[429] ?? 0;
      const logged = d.log().split('\n').filter((l) => /failed token checks/.test(l)).length;
      const held = withToken === 200 && withCookie === 200 && checked <= 100 && limited > 0 && logged >= 1;
      return {
        held,
        figure: `${ADDRESSES.toLocaleString('en')} addresses, ${(ADDRESSES * 2).toLocaleString('en')} wrong guesses in ${s} s: ${checked.toLocaleString('en')} answered 401 (after 10 from 127.0.0.1 in the same minute), `
          + `${limited.toLocaleString('en')} 429${counts[0] ? `, ${counts[0]} unanswered` : ''}; the limit ${logged ? 'logged' : 'not logged'}; `
          + `after 10 wrong guesses from 127.0.0.1 the right token got ${withToken}, the session cookie ${withCookie}`,
      };
    } finally {
      await d.stop();
    }
  },
};
