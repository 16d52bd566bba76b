import { inject, injectable } from 'inversify';
import { EventSourceRegistry, type EventSourceEndReason, type HttpRequestEventSource } from '@sluice/sse';
import type { ChatEvents, ChatMessage } from './ChatEvents.js';
import { ChatSettings } from './ChatSettings.js';
import { parseLastEventId } from './chatInput.js';
import { isMemberIdentifier, memberName } from './memberIdentity.js';
import { MessageHistory } from './MessageHistory.js';

/**
 * The room: keeps the recent messages, broadcasts new ones to every member's
 * stream, announces joins and leaves, and brings (re)connecting members up to
 * date. Who is here is never stored: it is read from the `EventSourceRegistry`,
 * which holds exactly the open `chat-<name>` streams.
 */
@injectable()
export class ChatService {
  readonly #history: MessageHistory;
  /** Identifiers whose stream was just replaced by a newer one for the same name: a handover, not a leave and a join. */
  readonly #handedOver = new Set<string>();
  /** Streams being opened by `run`, with the id of the last message posted before they opened. */
  readonly #opening = new WeakMap<object, { sse: HttpRequestEventSource<ChatEvents>; upTo: number }>();

  constructor(
    @inject(EventSourceRegistry) private readonly sources: EventSourceRegistry,
    @inject(ChatSettings) private readonly settings: ChatSettings,
  ) {
    this.#history = new MessageHistory(settings.historySize);
    sources.on('registered', (source) => this.#onRegistered(source));
    sources.on('unregistered', (source) => this.#onUnregistered(source));
  }

  /** The names of the members connected now, sorted. */
  members(): string[] {
    return this.sources
      .find(isMemberIdentifier)
      .map((source) => memberName(source.identifier)!)
      .sort((a, b) => a.localeCompare(b));
  }

  /** Stores a message under the next id and sends it to every member at once (one encoding for all). */
  post(name: string, text: string): ChatMessage {
    const message = this.#history.append(name, text);
    this.sources.broadcast(message, { id: String(message.id) }, isMemberIdentifier);
    return message;
  }

  /**
   * Runs a member's stream (opened with the identifier `chat-<name>`) until it
   * ends: opens it, sends the member list and what the client missed, then
   * leaves it to the broadcasts. Resolves when the stream is over, with why it ended.
   *
   * No message is lost, repeated or reordered between the catch-up and the live
   * events. A stream receives every broadcast made from the moment the registry
   * holds it, and none made before. The catch-up is sent at that very moment
   * (from the registry's `registered` event, before anything else can broadcast)
   * and covers the history up to the last message posted before the stream
   * opened: earlier messages come from the history, later ones live, and live
   * ones queue behind the catch-up. Nothing in between awaits, so no post can
   * slip into the seam.
   */
  run(sse: HttpRequestEventSource<ChatEvents>): Promise<EventSourceEndReason> {
    // A second connection for a name replaces the first (the registry closes it).
    // Tell the first one why, so its page stops reconnecting instead of taking the name back.
    this.sources
      .getByIdentifier<ChatEvents>(sse.identifier!)
      ?.send({ reason: 'This name was opened in another window.' }, { event: 'replaced' });

    sse.withPing((ping) => {
      ping.interval = this.settings.pingIntervalMs;
      ping.start();
    });
    this.#opening.set(sse, { sse, upTo: this.#history.lastId });
    const ended = sse.keepAlive(); // sends the head: the registry takes the stream, #onRegistered catches it up
    this.#opening.delete(sse); // (still here if the client was gone before the head went out)
    return ended;
  }

  /** Brings a stream that just opened up to date: the member list, then the messages after its `Last-Event-ID` (up to `upTo`), or the recent backlog. */
  #catchUp(sse: HttpRequestEventSource<ChatEvents>, upTo: number): void {
    sse.send({ members: this.members() }, { event: 'presence' });
    const history = this.#history;
    const lastSeen = parseLastEventId(sse.lastEventId);
    let missed: ChatMessage[];
    if (lastSeen === undefined || lastSeen > upTo) {
      // New here, or an id from before a restart (ids started again at 1): the recent backlog.
      missed = history.after(upTo - this.settings.backlogSize);
    } else {
      const forgotten = history.firstId - lastSeen - 1;
      if (forgotten > 0) sse.send({ missed: forgotten }, { event: 'gap' });
      missed = history.after(lastSeen);
    }
    for (const message of missed) {
      if (message.id > upTo) break; // posted while the stream opened: it comes live
      sse.send(message, { id: String(message.id) });
    }
  }

  #onRegistered(source: HttpRequestEventSource): void {
    const identifier = source.identifier!;
    const name = memberName(identifier);
    if (name === undefined) return;
    const opening = this.#opening.get(source);
    if (opening !== undefined) {
      this.#opening.delete(source);
      this.#catchUp(opening.sse, opening.upTo);
    }
    // The same name on a new connection that replaced the old one: still here, say nothing.
    if (this.#handedOver.delete(identifier)) return;
    // The newcomer learns the list from its own `presence` event.
    this.sources.broadcast({ name, members: this.members() }, { event: 'join' }, (id) => id !== identifier && isMemberIdentifier(id));
  }

  #onUnregistered(source: HttpRequestEventSource): void {
    const identifier = source.identifier!;
    const name = memberName(identifier);
    if (name === undefined) return;
    // A replaced stream leaves just before its successor registers (in the same synchronous step).
    if (source.endReason === 'replaced') {
      this.#handedOver.add(identifier);
      return;
    }
    this.sources.broadcast({ name, members: this.members() }, { event: 'leave' }, isMemberIdentifier);
  }
}
