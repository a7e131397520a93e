/**
 * A loopback TCP proxy that holds everything the upstream sends for `delayMs` before passing it on: a slow
 * network path to a real hub (a fault injected between the monitor and the hub, which cannot be made slow
 * by itself). What the client sends goes through at once; each chunk back is delayed by the same amount, in
 * order, so every HTTP response (and each event of a stream) arrives `delayMs` late.
 */
import net from 'node:net';

export interface DelayProxy {
  /** `http://127.0.0.1:<port>`: the hub as seen through the slow path. */
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startDelayProxy(upstreamPort: number, delayMs: number): Promise<DelayProxy> {
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket) => { sockets.add(s); s.on('close', () => sockets.delete(s)); };
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: '127.0.0.1', port: upstreamPort });
    track(client);
    track(upstream);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('data', (chunk) => upstream.write(chunk));
    client.on('end', () => upstream.end());
    // Timers of equal delay fire in the order they were set: the stream keeps its order.
    upstream.on('data', (chunk) => { setTimeout(() => { if (!client.destroyed) client.write(chunk); }, delayMs); });
    upstream.on('end', () => { setTimeout(() => client.end(), delayMs); });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => setTimeout(() => client.destroy(), delayMs));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}
