import { inject, injectable } from 'inversify';
import { EventSourceRegistry } from '@sluice/sse';

/** A posted message, as listeners receive it: the data of an unnamed event whose id is `id`. */
export interface Message {
  id: string;
  text: string;
  /** When it was posted (ISO 8601). */
  at: string;
}

/** The events of a listener's stream: `welcome` opens it, unnamed events carry the messages. */
export interface ListenerEvents {
  welcome: string;
  message: Message;
}

const listenerPrefix = 'listener-';
const isListener = (identifier: string): boolean => identifier.startsWith(listenerPrefix);

/**
 * The message board, a service: keeps the latest messages, and sends each new one
 * to every listener's stream, which it finds through the registry of identified
 * streams (injected: `ssePlugin()` binds it in the container).
 */
@injectable()
export class MessageBoard {
  /** How many messages are kept for listeners that (re)connect. */
  static readonly historySize = 50;

  readonly #history: Message[] = [];
  #lastId = 0;

  constructor(@inject(EventSourceRegistry) private readonly streams: EventSourceRegistry) {}

  /** The identifier a listener's stream is registered under. */
  static listenerIdentifier(requestId: string): string {
    return `${listenerPrefix}${requestId}`;
  }

  /** Keeps `text` and sends it to every listener; returns the message and how many listeners it was sent to. */
  post(text: string): { message: Message; listeners: number } {
    const message: Message = { id: String(++this.#lastId), text, at: new Date().toISOString() };
    this.#history.push(message);
    if (this.#history.length > MessageBoard.historySize) this.#history.shift();
    // Encoded once, the same bytes queued for every listener.
    const listeners = this.streams.broadcast(message, { id: message.id }, isListener);
    return { message, listeners };
  }

  /**
   * What a (re)connecting listener missed: the kept messages after the one whose
   * id it last got, or all of them when it got none or one no longer kept.
   */
  since(lastId: string | undefined): Message[] {
    const index = lastId === undefined ? -1 : this.#history.findIndex((message) => message.id === lastId);
    return this.#history.slice(index + 1);
  }
}
