/**
 * A real HTTP/1.1 forward proxy on 127.0.0.1 that only tunnels (CONNECT), as corporate proxies
 * do, for testing that the hub link passes through one. It records each tunnel's target and can
 * cut every open tunnel (a partition), refuse new ones, or black-hole: keep every connection open
 * and drop what either side sends (a route that silently stopped, as a dead NAT entry does).
 */
import { createServer, type IncomingMessage } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';

export interface ConnectProxy {
  url: string;
  /** `host:port` of every tunnel opened so far. */
  tunnels: string[];
  /** Bytes carried so far through every tunnel: client → target (`up`) and back (`down`). */
  readonly bytes: { up: number; down: number };
  /** Closes every open tunnel at once. */
  cut(): void;
  /** While true, CONNECT requests are answered 503. */
  refuse(refusing: boolean): void;
  /** While true, bytes in either direction of every tunnel, open or new, are dropped without a sign. */
  blackHole(on: boolean): void;
  /** Bytes dropped while black-holed. */
  dropped(): number;
  close(): Promise<void>;
}

export async function startConnectProxy(): Promise<ConnectProxy> {
  const open = new Set<Duplex>();
  const tunnels: string[] = [];
  const bytes = { up: 0, down: 0 };
  let refusing = false;
  let blackHoled = false;
  let dropped = 0;
  /** Forwards from one side to the other unless black-holed (then the bytes are gone). */
  const forward = (from: Duplex, to: Duplex): void => {
    from.on('data', (chunk: Buffer) => {
      if (blackHoled) dropped += chunk.length;
      else to.write(chunk);
    });
  };
  const server = createServer((_request, response) => {
    response.writeHead(405, { connection: 'close' }).end('this proxy only tunnels (CONNECT)\n');
  });
  server.on('connect', (request: IncomingMessage, client: Duplex, head: Buffer) => {
    client.on('error', () => undefined);
    if (refusing) return void client.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n');
    const target = request.url ?? '';
    const [host, port] = [target.slice(0, target.lastIndexOf(':')).replace(/^\[|\]$/g, ''), Number(target.slice(target.lastIndexOf(':') + 1))];
    tunnels.push(target);
    const upstream: Socket = connect(port, host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0 && !blackHoled) upstream.write(head);
      upstream.on('data', (chunk: Buffer) => void (bytes.down += chunk.length));
      client.on('data', (chunk: Buffer) => void (bytes.up += chunk.length));
      forward(upstream, client);
      forward(client, upstream);
    });
    upstream.on('error', () => client.destroy());
    open.add(client);
    open.add(upstream);
    const done = (): void => {
      open.delete(client);
      open.delete(upstream);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', done);
    upstream.on('close', done);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    tunnels,
    bytes,
    cut() {
      for (const socket of open) socket.destroy();
      open.clear();
    },
    refuse(value) {
      refusing = value;
    },
    blackHole(on) {
      blackHoled = on;
    },
    dropped: () => dropped,
    async close() {
      for (const socket of open) socket.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
