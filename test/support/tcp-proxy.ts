// A small TCP proxy of a test's own in front of a server on loopback: it can be shut (every
// connection through it refused or cut) or slowed (each chunk from the server held back), and
// counts the connections open through it, so that a fault test can see a pile-up.
import net from 'node:net';
import { freePort } from './redis-server.ts';

export interface TcpProxy {
  port: number;
  /** Refuses new connections and cuts the open ones. */
  shut(): void;
  open(): void;
  /** Holds every chunk from the server back this long (0: none). */
  delay(ms: number): void;
  /** Connections open through the proxy now. */
  connections(): number;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  let open = true;
  let delayMs = 0;
  const sockets = new Set<net.Socket>();
  const clients = new Set<net.Socket>();
  const server = net.createServer((client) => {
    if (!open) {
      client.destroy();
      return;
    }
    clients.add(client);
    const upstream = net.connect(targetPort, '127.0.0.1');
    const end = () => {
      clients.delete(client);
      for (const socket of [client, upstream]) {
        socket.destroy();
        sockets.delete(socket);
      }
    };
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', end).on('close', end);
    }
    client.pipe(upstream);
    upstream.on('data', (chunk) => {
      if (delayMs === 0) client.write(chunk);
      else setTimeout(() => client.writable && client.write(chunk), delayMs);
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port,
    shut() {
      open = false;
      for (const socket of sockets) socket.destroy();
    },
    open() {
      open = true;
    },
    delay(ms) {
      delayMs = ms;
    },
    connections: () => clients.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
