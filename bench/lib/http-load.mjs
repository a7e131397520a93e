// A lean closed-loop HTTP/1.1 load generator for throughput runs: `connections` keep-alive sockets, each with
// one request in flight, the request's bytes built once, each response read only as far as its status and
// its end (Content-Length or chunked). node:http's client costs about as much CPU per call as a proxy hop
// does; on a 2-core machine that CPU is taken from the hub and the proxy being measured.
import net from 'node:net';
import { performance } from 'node:perf_hooks';

const HEADER_END = Buffer.from('\r\n\r\n');
const LAST_CHUNK = Buffer.from('0\r\n\r\n');

/** The length of the first complete response in `buf` with its status, or undefined while incomplete. */
function responseEnd(buf) {
  const h = buf.indexOf(HEADER_END);
  if (h < 0) return undefined;
  const head = buf.toString('latin1', 0, h);
  const status = Number(head.slice(9, 12));
  const cl = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  if (cl) {
    const end = h + 4 + Number(cl[1]);
    return buf.length >= end ? { end, status } : undefined;
  }
  if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
    // Walk the chunks (sizes in hex) to the last one.
    let at = h + 4;
    for (;;) {
      const nl = buf.indexOf('\r\n', at);
      if (nl < 0) return undefined;
      const size = parseInt(buf.toString('latin1', at, nl), 16);
      if (size === 0) return buf.length >= nl + 4 ? { end: nl + 4, status } : undefined;
      at = nl + 2 + size + 2;
      if (at > buf.length) return undefined;
    }
  }
  if (buf.indexOf(LAST_CHUNK, h) >= 0) throw new Error('unsupported response framing');
  return { end: h + 4, status }; // no body (e.g. 204)
}

/**
 * `connections` sockets to `base` (http://host:port) sending `POST path` with `body` (JSON), each with one
 * request in flight for `ms` (connected first, closed after: an idle keep-alive socket would be closed by
 * the server between runs). Resolves with the calls answered; rejects on any status but 200.
 */
export async function httpLoad(base, path, body, connections, ms) {
  const u = new URL(base);
  const payload = Buffer.from(body);
  const request = Buffer.concat([
    Buffer.from(`POST ${path} HTTP/1.1\r\nhost: ${u.host}\r\ncontent-type: application/json\r\ncontent-length: ${payload.length}\r\n\r\n`, 'latin1'),
    payload,
  ]);
  const sockets = await Promise.all(Array.from({ length: connections }, () => new Promise((resolve, reject) => {
    const s = net.connect(Number(u.port), u.hostname, () => resolve(s));
    s.setNoDelay(true);
    s.once('error', reject);
  })));
  let done = 0;
  const stopAt = performance.now() + ms;
  try {
    await new Promise((resolve, reject) => {
      let idle = 0;
      for (const s of sockets) {
        let buf = Buffer.alloc(0);
        s.on('error', reject);
        s.on('close', () => reject(new Error(`${base} closed a connection`)));
        s.on('data', (d) => {
          buf = buf.length ? Buffer.concat([buf, d]) : d;
          for (let r; (r = responseEnd(buf)); ) {
            if (r.status !== 200) return reject(new Error(`HTTP ${r.status} from ${base}`));
            buf = buf.subarray(r.end);
            done++;
            if (performance.now() < stopAt) s.write(request);
            else if (++idle === sockets.length) resolve();
          }
        });
        s.write(request);
      }
    });
  } finally {
    for (const s of sockets) { s.removeAllListeners('close'); s.destroy(); }
  }
  return done;
}
