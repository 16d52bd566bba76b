import { createClient } from 'redis';
import type { AnyRedisClient } from './clientTypes.js';
import { reconnectDelay } from './reconnectDelay.js';
import type { ConnectionEvents, RedisConnection } from './RedisConnection.js';

/**
 * One Redis server: commands on one client (the app's, or one made from the
 * url), classic SUBSCRIBE on a `duplicate()` of it, and the scripts PUBLISH. Works
 * with Redis 6. Keys are ignored: there is one server.
 */
export class StandaloneConnection implements RedisConnection {
  readonly sharded = false;
  readonly #target: { readonly url: string } | { readonly client: AnyRedisClient };
  readonly #connectTimeoutMs: number;
  #command: AnyRedisClient | undefined;
  #subscriber: AnyRedisClient | undefined;
  #ownsCommand = false;
  #subscribed = false;
  readonly #detach: Array<() => void> = [];

  constructor(target: { readonly url: string } | { readonly client: AnyRedisClient }, options: { readonly connectTimeoutMs: number }) {
    this.#target = target;
    this.#connectTimeoutMs = options.connectTimeoutMs;
  }

  get isReady(): boolean {
    return this.#command?.isReady === true;
  }

  async connect(events: ConnectionEvents): Promise<void> {
    let command: AnyRedisClient;
    if ('url' in this.#target) {
      command = createClient({
        url: this.#target.url,
        RESP: 2,
        disableOfflineQueue: true,
        socket: { connectTimeout: this.#connectTimeoutMs, reconnectStrategy: reconnectDelay },
      }) as unknown as AnyRedisClient;
      this.#ownsCommand = true;
    } else {
      command = this.#target.client;
    }
    const subscriber = command.duplicate({
      socket: { ...command.options?.socket, reconnectStrategy: reconnectDelay },
    } as never) as AnyRedisClient;
    this.#command = command;
    this.#subscriber = subscriber;

    this.#listen(command, 'error', (error: Error) => events.lost(error));
    this.#listen(subscriber, 'error', (error: Error) => events.lost(error));
    this.#listen(command, 'end', () => events.lost());
    this.#listen(command, 'reconnecting', () => events.lost());
    this.#listen(command, 'ready', () => events.ready());
    this.#listen(subscriber, 'ready', () => {
      if (this.#subscribed) events.resubscribed();
    });

    const connecting: Array<Promise<unknown>> = [subscriber.connect()];
    if (!command.isOpen) connecting.push(command.connect());
    await Promise.all(connecting);
  }

  command(_key: string, args: readonly string[]): Promise<unknown> {
    return this.#client().sendCommand([...args]);
  }

  commandOnServerOf(_key: string, args: readonly string[]): Promise<unknown> {
    return this.#client().sendCommand([...args]);
  }

  async subscribe(channel: string, listener: (message: string) => void): Promise<void> {
    if (this.#subscriber === undefined) throw new Error('not connected to redis');
    await this.#subscriber.subscribe([channel], listener);
    this.#subscribed = true;
  }

  async close(): Promise<void> {
    for (const detach of this.#detach.splice(0)) detach();
    const subscriber = this.#subscriber;
    const command = this.#command;
    this.#subscriber = undefined;
    this.#command = undefined;
    if (subscriber !== undefined) await closeClient(subscriber);
    if (command !== undefined && this.#ownsCommand) await closeClient(command);
  }

  #client(): AnyRedisClient {
    if (this.#command === undefined) throw new Error('not connected to redis');
    return this.#command;
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- node-redis types its events loosely
  #listen(client: AnyRedisClient, event: string, listener: (...args: any[]) => void): void {
    client.on(event, listener);
    this.#detach.push(() => client.off(event, listener));
  }
}

async function closeClient(client: AnyRedisClient): Promise<void> {
  // Keep an error listener: a late socket error must not crash the process.
  const ignore = (): void => {};
  client.on('error', ignore);
  if (client.isReady) {
    try {
      await client.close();
      return;
    } catch {
      // fall through
    }
  }
  if (client.isOpen) client.destroy();
}
