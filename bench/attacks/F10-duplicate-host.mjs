// F10: two Host headers (the first naming us, the second anything) must be a 400 as RFC 9112 §3.2 says,
// not served as if only the first were there; the same for the other one-value security headers.
import net from 'node:net';
import { startHttpDaemon } from '../lib/http-daemon.mjs';

/** Sends raw request bytes; resolves the status line's code (0 when the connection ends without one). */
function raw(port, text) {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1', () => sock.write(text));
    let got = '';
    sock.on('data', (c) => { got += c.toString('latin1'); });
    sock.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(got)?.[1] ?? 0)));
    sock.on('error', () => {});
    setTimeout(() => sock.destroy(), 3_000).unref();
  });
}

export const attack = {
  id: 'F10',
  title: 'duplicate Host (and Authorization, Origin) headers',
  async run() {
    const d = await startHttpDaemon();
    try {
      const host = `127.0.0.1:${d.port}`;
      const auth = `Authorization: Bearer ${d.token}\r\n`;
      const cases = {
        'Host ours, then evil.example': `GET /api/hubs HTTP/1.1\r\nHost: ${host}\r\nHost: evil.example\r\n${auth}Connection: close\r\n\r\n`,
        'Host evil.example, then ours': `GET /api/hubs HTTP/1.1\r\nHost: evil.example\r\nHost: ${host}\r\n${auth}Connection: close\r\n\r\n`,
        'two Authorization': `GET /api/hubs HTTP/1.1\r\nHost: ${host}\r\n${auth}Authorization: Bearer other-0123456789abcdef\r\nConnection: close\r\n\r\n`,
        'two Origin': `GET /api/hubs HTTP/1.1\r\nHost: ${host}\r\n${auth}Origin: http://${host}\r\nOrigin: http://evil.example\r\nConnection: close\r\n\r\n`,
      };
      const got = {};
      for (const [name, text] of Object.entries(cases)) got[name] = await raw(d.port, text);
      return {
        held: Object.values(got).every((s) => s === 400),
        figure: Object.entries(got).map(([k, v]) => `${k}: ${v}`).join('; '),
      };
    } finally {
      await d.stop();
    }
  },
};
