import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/** Where one client connection went: the request line the client sent first, and the upstream port. */
export interface ProxiedConnection {
  readonly requestLine: string;
  readonly port: number;
}

/**
 * A small TCP load balancer in front of several local ports, as a browser meets one in front of
 * a cluster: each new connection goes to the next port in turn (round robin); a port that
 * refuses the connection (its node has stopped) is skipped for the next one, the way nginx's
 * `proxy_next_upstream error` does. Bytes pass through untouched. It records which port each
 * request went to, so a test can tell which node holds a browser's stream.
 */
export class BalancingProxy {
  readonly #server: Server;
  readonly #ports: readonly number[];
  readonly #sockets = new Set<Socket>();
  readonly connections: ProxiedConnection[] = [];
  #next = 0;

  private constructor(server: Server, ports: readonly number[]) {
    this.#server = server;
    this.#ports = ports;
    server.on('connection', (client) => this.#accept(client));
  }

  static async start(ports: readonly number[]): Promise<BalancingProxy> {
    const proxy = new BalancingProxy(createServer(), ports);
    proxy.#server.listen(0, '127.0.0.1');
    await once(proxy.#server, 'listening');
    return proxy;
  }

  /** `http://127.0.0.1:<proxy port>`. */
  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(client: Socket): void {
    this.#sockets.add(client);
    client.once('close', () => this.#sockets.delete(client));
    client.pause();
    const start = this.#next++ % this.#ports.length;
    this.#tryPort(client, start, this.#ports.length);
  }

  // Tries the ports in turn from `index`; `left` is how many are still untried.
  #tryPort(client: Socket, index: number, left: number): void {
    if (left === 0 || client.destroyed) {
      client.resetAndDestroy();
      return;
    }
    const port = this.#ports[index % this.#ports.length]!;
    const upstream = connect(port, '127.0.0.1');
    const refused = (): void => {
      upstream.destroy();
      this.#tryPort(client, index + 1, left - 1);
    };
    upstream.once('error', refused);
    upstream.once('connect', () => {
      upstream.off('error', refused);
      this.#sockets.add(upstream);
      const end = (): void => {
        this.#sockets.delete(upstream);
        client.destroy();
        upstream.destroy();
      };
      client.on('error', end).on('close', end);
      upstream.on('error', end).on('close', end);
      client.once('data', (chunk: Buffer) => {
        const text = chunk.toString('latin1');
        this.connections.push({ requestLine: text.slice(0, text.indexOf('\r\n')), port });
      });
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
  }
}
