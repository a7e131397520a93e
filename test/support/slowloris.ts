/**
 * A slowloris attacker for the HTTP server's tests: `connections` sockets from the loopback addresses
 * 127.0.0.2 … 127.0.0.(1+sources) (Linux routes all of 127/8 to lo), each sending a request line and a Host
 * header but never the blank line that ends the headers; a socket the server closes is opened again, so
 * the attack keeps its count. `started` resolves once every socket has connected once.
 */
import net from 'node:net';

export interface Slowloris {
  started: Promise<void>;
  /** Sockets connected now. */
  open(): number;
  /** Connections the server closed (and the attacker re-opened). */
  dropped(): number;
  stop(): void;
}

export function slowloris(port: number, connections: number, sources: number, path = '/metrics'): Slowloris {
  const live = new Set<net.Socket>();
  let stopped = false;
  let dropped = 0;
  const everConnected = new Set<number>();
  let allStarted!: () => void;
  const started = new Promise<void>((r) => { allStarted = r; });
  const hold = (i: number): void => {
    if (stopped) return;
    const sock = net.connect({ port, host: '127.0.0.1', localAddress: `127.0.0.${2 + (i % sources)}` });
    sock.on('connect', () => {
      live.add(sock);
      sock.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Slow: `);
      everConnected.add(i);
      if (everConnected.size === connections) allStarted();
    });
    sock.on('error', () => {});
    sock.resume(); // read, so a close by the server is seen and the slot taken again at once
    sock.on('close', () => {
      if (live.delete(sock)) dropped++;
      setTimeout(() => hold(i), 5).unref();
    });
  };
  for (let i = 0; i < connections; i++) hold(i);
  return {
    started,
    open: () => live.size,
    dropped: () => dropped,
    stop: () => {
      stopped = true;
      for (const s of live) s.destroy();
    },
  };
}
