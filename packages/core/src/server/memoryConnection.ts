import { Duplex } from 'node:stream';

/**
 * Two connected in-memory duplex streams: what one side writes, the other reads.
 * `host.inject()` hands one end to the node:http server as a connection and the
 * other to a node:http client, so a request goes through node's real HTTP parser
 * and serializer on both sides without a TCP socket. (Node 22 has
 * `stream.duplexPair`; Node 20 does not.)
 */
export function createMemoryConnection(remoteAddress: string): { server: MemorySocket; client: MemorySocket } {
  const server = new MemorySocket(remoteAddress);
  const client = new MemorySocket('127.0.0.1');
  server.peer = client;
  client.peer = server;
  return { server, client };
}

/** One end of an in-memory connection, with the socket members node:http touches. */
export class MemorySocket extends Duplex {
  peer: MemorySocket | undefined;
  readonly remoteAddress: string;
  readonly remotePort = 0;
  readonly remoteFamily = 'IPv4';
  readonly localAddress = '127.0.0.1';
  readonly localPort = 0;
  readonly encrypted = false;
  #pendingRead: (() => void) | undefined;

  constructor(remoteAddress: string) {
    super({ allowHalfOpen: false });
    this.remoteAddress = remoteAddress;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const peer = this.peer;
    if (peer === undefined || peer.destroyed) {
      callback(new Error('The other end of the in-memory connection is closed'));
      return;
    }
    // Respect the reader's backpressure: resume this writer when the peer asks for more.
    if (peer.push(chunk)) callback();
    else peer.#pendingRead = () => callback();
  }

  override _read(): void {
    const resume = this.#pendingRead;
    this.#pendingRead = undefined;
    resume?.();
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.peer?.push(null);
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const peer = this.peer;
    this.peer = undefined;
    if (peer && !peer.destroyed) {
      peer.push(null);
      peer.destroy();
    }
    callback(error);
  }

  setTimeout(_ms: number, _callback?: () => void): this {
    return this;
  }
  setNoDelay(_noDelay?: boolean): this {
    return this;
  }
  setKeepAlive(_enable?: boolean, _delay?: number): this {
    return this;
  }
  address(): { address: string; family: string; port: number } {
    return { address: this.localAddress, family: 'IPv4', port: 0 };
  }
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
}
