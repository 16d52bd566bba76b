import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { EventSourceBackplane, type BackplaneNode, type ClusterEvent, type DeliveredEvent, type ReplayResult } from '@sluice/sse';
import { ChannelReader, type Missed } from './ChannelReader.js';
import { createConnection } from './connection/createConnection.js';
import type { RedisConnection } from './connection/RedisConnection.js';
import { RedisErrorCodes, redisError } from './errors.js';
import { Keys } from './keys.js';
import { decodeMessage, encodeTail, eventId, parseEventId, reaches, type WireMessage } from './message.js';
import { PresenceBook } from './PresenceBook.js';
import { PublicationQueue, type Publication } from './PublicationQueue.js';
import type { ResolvedRedisOptions } from './RedisBackplaneOptions.js';
import { heartbeatScript, leaveScript, presenceQueryScript, publishScript, recoverScript, replayScript, sendToScript } from './scripts.js';
import { ScriptRunner } from './ScriptRunner.js';

/** Entries kept per channel for gap recovery when replay is off (approximate trim). */
const recoveryLength = 1000;
const missedBeats = 3;

type Identified = ClusterEvent & { readonly audience: { readonly kind: 'identifier'; readonly identifier: string } };

/**
 * The Redis backplane: one Lua script per event assigns the cluster-wide offset,
 * appends the history, and publishes; every node (the publisher too) delivers
 * from its subscription, so all deliver in one order. See `docs/scaling-out.md`.
 */
export class RedisBackplane extends EventSourceBackplane {
  readonly name = 'redis';
  readonly assignsIds: boolean;
  readonly #options: ResolvedRedisOptions;
  readonly #keys: Keys;
  /** One server (PUBLISH) or a Redis Cluster (sharded pub/sub: SPUBLISH), see `connection/`. */
  readonly #connection: RedisConnection;
  readonly #publishCommand: 'PUBLISH' | 'SPUBLISH';
  #state: 'idle' | 'starting' | 'running' | 'stopping' | 'stopped' = 'idle';
  #node: BackplaneNode | undefined;
  #nodeId = '';
  #connected = false;
  #runner: ScriptRunner | undefined;
  #queue: PublicationQueue | undefined;
  #presence: PresenceBook | undefined;
  #reader: ChannelReader | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  #readyRetry: NodeJS.Timeout | undefined;
  #announced = false;
  #usable = false;
  #outageLogged = false;
  #epochCounter = 0;
  readonly #epochStem = randomBytes(4).toString('hex');
  /** Publications made before start(): sent once connected. */
  readonly #early: Publication[] = [];

  constructor(options: ResolvedRedisOptions) {
    super();
    this.#options = options;
    this.#connection = createConnection(options.target, {
      connectTimeoutMs: options.connectTimeoutMs,
      routingKey: Keys.stemOf(options.channelPrefix),
    });
    this.#keys = new Keys(options.channelPrefix, this.#connection.sharded);
    this.#publishCommand = this.#connection.sharded ? 'SPUBLISH' : 'PUBLISH';
    this.assignsIds = options.maxLength > 0;
    if (this.assignsIds) this.replay = (identifier, lastEventId) => this.#replay(identifier, lastEventId);
  }

  async start(node: BackplaneNode): Promise<void> {
    if (this.#state !== 'idle') throw redisError(RedisErrorCodes.Unavailable, `The redis backplane cannot start: it is ${this.#state}.`);
    this.#state = 'starting';
    this.#node = node;
    this.#nodeId = randomBytes(8).toString('hex');
    const { connectTimeoutMs } = this.#options;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            redisError(
              RedisErrorCodes.Unavailable,
              `Redis did not answer within ${connectTimeoutMs} ms (connectTimeoutMs); check that it runs and that the url is right.`,
            ),
          ),
        connectTimeoutMs,
      );
    });
    try {
      await Promise.race([this.#connect(), deadline]);
      this.#state = 'running';
    } catch (error) {
      await this.#teardown();
      this.#state = 'stopped';
      if (error instanceof Error && 'code' in error && error.code === RedisErrorCodes.Unavailable) throw error;
      throw redisError(
        RedisErrorCodes.Unavailable,
        `Could not start the redis backplane: ${error instanceof Error ? error.message : String(error)}`,
        error,
      );
    } finally {
      clearTimeout(timer);
    }
  }

  async stop(): Promise<void> {
    if (this.#state === 'idle') {
      this.#state = 'stopped';
      return;
    }
    if (this.#state !== 'running') return;
    this.#state = 'stopping';
    clearInterval(this.#heartbeat);
    const queue = this.#queue!;
    if (this.#usable && queue.pending > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([queue.drained(), new Promise((resolve) => (timer = setTimeout(resolve, this.#options.connectTimeoutMs)))]);
      clearTimeout(timer);
    }
    const abandoned = queue.abandon(redisError(RedisErrorCodes.Unavailable, 'The redis backplane stopped before Redis took this event.'));
    if (abandoned > 0) this.#logger()?.warn({ events: abandoned }, 'the redis backplane stopped with events Redis never took');
    if (this.#usable) {
      try {
        await this.#presence!.flush();
        await this.#runner!.run(
          leaveScript,
          [this.#keys.presence, this.#keys.members(this.#nodeId), this.#keys.nodes, this.#keys.meta, this.#keys.nodeStream(this.#nodeId)],
          [this.#nodeId],
        );
      } catch (error) {
        this.#logger()?.warn({ err: error }, 'could not leave presence; other nodes drop this one after 3 missed heartbeats');
      }
    }
    await this.#teardown();
    this.#state = 'stopped';
  }

  publish(event: ClusterEvent): void {
    this.#add({
      script: publishScript,
      keys: [this.#keys.meta, this.#keys.trim, this.#keys.busStream],
      args: [...this.#args(encodeTail(event.audience, event.body)), this.#publishCommand],
    });
  }

  sendTo(event: Identified): Promise<boolean> {
    const { identifier } = event.audience;
    return new Promise<boolean>((resolve, reject) => {
      this.#add({
        script: sendToScript,
        keys: [
          this.#keys.meta,
          this.#keys.trim,
          this.#keys.busStream,
          this.#keys.identifierStream(identifier),
          this.#keys.presence,
          this.#keys.nodes,
        ],
        args: [
          ...this.#args(encodeTail(event.audience, event.body)),
          identifier,
          this.#keys.stem,
          this.#keys.nodeChannelStem,
          this.#publishCommand,
        ],
        settle: resolve,
        fail: reject,
      });
    });
  }

  async presence(prefix?: string): Promise<string[]> {
    if (!this.#usable) throw redisError(RedisErrorCodes.Unavailable, 'Redis is unreachable: presence cannot be read now.');
    void this.#presence!.flush();
    const found = await this.#runner!.run(presenceQueryScript, [this.#keys.presence, this.#keys.nodes], [prefix ?? '']);
    return found as string[];
  }

  joined(identifier: string): void {
    this.#presence?.joined(identifier);
  }

  left(identifier: string): void {
    this.#presence?.left(identifier);
  }

  async #replay(identifier: string, lastEventId: string): Promise<ReplayResult> {
    const id = parseEventId(lastEventId);
    if (id === undefined || !this.#usable) return { kind: 'gap' };
    const reply = (await this.#runner!.run(
      replayScript,
      [this.#keys.meta, this.#keys.trim, this.#keys.busStream, this.#keys.identifierStream(identifier)],
      [id.epoch, String(id.offset), identifier],
    )) as [number, StreamEntries?, StreamEntries?];
    if (reply[0] !== 1) return { kind: 'gap' };
    const byOffset = new Map<number, WireMessage>();
    for (const message of entries(reply[1])) if (reaches(message.audience, identifier)) byOffset.set(message.offset, message);
    for (const message of entries(reply[2])) byOffset.set(message.offset, message);
    const events: DeliveredEvent[] = [...byOffset.values()].sort((a, b) => a.offset - b.offset).map((message) => this.#delivered(message));
    return { kind: 'events', events };
  }

  // --- connections

  async #connect(): Promise<void> {
    const connection = this.#connection;
    this.#connected = true;
    const runner = (this.#runner = new ScriptRunner(connection, this.#keys.stem));
    this.#queue = new PublicationQueue({
      runner,
      limit: this.#options.outageBuffer,
      logger: () => this.#logger(),
      beforeSend: () => void this.#presence?.flush(),
    });
    this.#presence = new PresenceBook({
      runner,
      keys: this.#keys,
      node: this.#nodeId,
      identifiers: () => this.#node!.identifiers(),
      logger: () => this.#logger(),
    });
    this.#reader = new ChannelReader({
      readMissed: (busAfter, nodeAfter) => this.#readMissed(busAfter, nodeAfter),
      deliver: (message) => this.#node?.deliver(this.#delivered(message)),
      logger: () => this.#logger(),
    });
    for (const publication of this.#early.splice(0)) this.#queue.add(publication);

    await connection.connect({
      ready: () => {
        if (this.#state === 'running') void this.#ready();
      },
      // Resubscribed after a reconnect: what was published meanwhile is read from the history.
      resubscribed: () => {
        if (this.#state === 'running') this.#reader?.recover();
      },
      lost: (error) => (error === undefined ? this.#lost() : this.#connectionError(error)),
    });
    await connection.subscribe(this.#keys.busChannel, (message: string) => this.#reader!.receive('bus', message));
    await connection.subscribe(this.#keys.nodeChannel(this.#nodeId), (message: string) => this.#reader!.receive('node', message));
    await this.#ready();
    if (!this.#usable) throw new Error('redis went away while the backplane started');
    this.#heartbeat = setInterval(() => void this.#beat(), this.#options.heartbeatMs);
    this.#heartbeat.unref();
  }

  /** Redis (again) reachable: load the scripts, say this node is alive (re-announcing it if Redis forgot it), then publish what waits. */
  async #ready(): Promise<void> {
    try {
      await this.#runner!.loadAll();
      const epoch = await this.#beat(true);
      if (epoch !== undefined) this.#queue!.resumeIn(epoch);
      this.#usable = true;
      this.#outageLogged = false;
      this.#presence!.open();
      this.#queue!.open();
    } catch (error) {
      this.#logger()?.warn({ err: error }, 'redis answered, then failed (still loading its data?); trying again');
      // A Redis that is loading its data answers LOADING: no new 'ready' will come, so try again.
      if (this.#state === 'running') {
        clearTimeout(this.#readyRetry);
        this.#readyRetry = setTimeout(() => {
          if (this.#state === 'running' && this.#connection.isReady && !this.#usable) void this.#ready();
        }, 500);
      }
    }
  }

  #lost(): void {
    this.#usable = false;
    this.#queue?.close();
    this.#presence?.close();
  }

  #connectionError(error: Error): void {
    if (this.#state !== 'running') return;
    this.#lost();
    if (!this.#outageLogged) {
      this.#outageLogged = true;
      this.#logger()?.warn({ err: error }, 'lost the connection to redis; events are held until it is back');
    }
  }

  /** Returns the epoch Redis is in (undefined when the beat failed). */
  async #beat(throwing = false): Promise<string | undefined> {
    try {
      const reply = (await this.#runner!.run(
        heartbeatScript,
        [this.#keys.meta, this.#keys.nodes, this.#keys.presence, this.#keys.trim, this.#keys.busStream],
        [
          this.#nodeId,
          String(this.#options.heartbeatMs * missedBeats),
          this.#keys.stem,
          this.#announced ? '1' : '0',
          this.#epochCandidate(),
          String(this.#options.heartbeatMs * missedBeats),
          this.#reader!.epoch ?? '',
          String(this.#reader!.newestOffset),
        ],
      )) as [number, string, string, string];
      const [added, epoch, bus, node] = reply;
      if (added === 1 || !this.#announced) this.#presence!.announceAll();
      this.#announced = true;
      if (this.#reader!.epoch === undefined) this.#reader!.position(epoch, Number(bus), Number(node));
      else this.#reader!.check(epoch, Number(bus), Number(node));
      return epoch;
    } catch (error) {
      if (throwing) throw error;
      this.#logger()?.debug({ err: error }, 'heartbeat failed');
      return undefined;
    }
  }

  async #readMissed(busAfter: number, nodeAfter: number): Promise<Missed> {
    const [epoch, bus, node] = (await this.#runner!.run(
      recoverScript,
      [this.#keys.meta, this.#keys.busStream, this.#keys.nodeStream(this.#nodeId), this.#keys.trim],
      [String(busAfter), String(nodeAfter), this.#reader!.epoch ?? '', this.#epochCandidate()],
    )) as [string, StreamEntries, StreamEntries];
    return { epoch, bus: [...entries(bus)], node: [...entries(node)] };
  }

  async #teardown(): Promise<void> {
    clearInterval(this.#heartbeat);
    clearTimeout(this.#readyRetry);
    this.#heartbeat = undefined;
    this.#usable = false;
    this.#reader?.stop();
    this.#presence?.close();
    this.#queue?.abandon(redisError(RedisErrorCodes.Unavailable, 'The redis backplane stopped.'));
    if (this.#connected) {
      this.#connected = false;
      await this.#connection.close();
    }
  }

  // --- helpers

  #add(publication: Publication): void {
    if (this.#state === 'stopping' || this.#state === 'stopped') {
      throw redisError(RedisErrorCodes.Unavailable, 'The redis backplane is stopped: events can no longer be sent.');
    }
    if (this.#queue === undefined) {
      if (this.#early.length >= this.#options.outageBuffer) {
        throw redisError(
          RedisErrorCodes.Unavailable,
          `The redis backplane has not started and ${this.#options.outageBuffer} events already wait (outageBuffer).`,
        );
      }
      this.#early.push(publication);
      return;
    }
    this.#queue.add(publication);
  }

  /** ARGV shared by the publication scripts: epoch candidate, history length, publisher, seq (set by the queue), tail, bus channel, recovery length. */
  #args(tail: string): string[] {
    return [this.#epochCandidate(), String(this.#options.maxLength), this.#nodeId, '', tail, this.#keys.busChannel, String(recoveryLength)];
  }

  /** A fresh epoch name for each script call, used only when Redis has none (so an epoch never repeats). */
  #epochCandidate(): string {
    return `${this.#epochStem}${(++this.#epochCounter).toString(36)}`;
  }

  #delivered(message: WireMessage): DeliveredEvent {
    return { id: this.assignsIds ? eventId(message.epoch, message.offset) : undefined, audience: message.audience, body: message.body };
  }

  #logger(): Logger | undefined {
    return this.#node?.logger;
  }
}

/** XRANGE entries as a script returns them: [id, [field, value]]. */
type StreamEntries = Array<[string, string[]]>;

function* entries(list: StreamEntries | undefined): Iterable<WireMessage> {
  if (list === undefined) return;
  for (const [, fields] of list) {
    const message = decodeMessage(fields[1] ?? '');
    if (message !== undefined) yield message;
  }
}
