import type { ChatMessage } from './ChatEvents.js';

/**
 * The last `capacity` messages, in a ring: appending is O(1) and memory stays
 * bounded however long the server runs. Ids are 1, 2, 3... with no holes, so the
 * messages after an id are found by arithmetic, not by searching.
 */
export class MessageHistory {
  readonly #capacity: number;
  readonly #ring: Array<ChatMessage | undefined>;
  #lastId = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`History capacity must be a positive integer, got ${capacity}`);
    this.#capacity = capacity;
    this.#ring = new Array<ChatMessage | undefined>(capacity);
  }

  /** The id of the newest message, 0 before the first. */
  get lastId(): number {
    return this.#lastId;
  }

  /** The id of the oldest message still kept (`lastId + 1` while empty). */
  get firstId(): number {
    return Math.max(1, this.#lastId - this.#capacity + 1);
  }

  /** Stores a message under the next id, forgetting the oldest one when full. */
  append(name: string, text: string, at: Date = new Date()): ChatMessage {
    const message: ChatMessage = { id: this.#lastId + 1, name, text, at: at.toISOString() };
    this.#ring[message.id % this.#capacity] = message;
    this.#lastId = message.id;
    return message;
  }

  /** The kept messages with an id above `id`, oldest first. */
  after(id: number): ChatMessage[] {
    const messages: ChatMessage[] = [];
    for (let next = Math.max(id + 1, this.firstId); next <= this.#lastId; next++) messages.push(this.#ring[next % this.#capacity]!);
    return messages;
  }
}
