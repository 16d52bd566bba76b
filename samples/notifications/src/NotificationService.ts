import { inject, injectable } from 'inversify';
import { EventSourceRegistry, type EventSourceStats } from '@sluice/sse';
import type { Notification, UserStreamEvents } from './events.js';
import { groupPrefix, streamIdentifier, userIdOf } from './identifiers.js';

/** What `GET /notifications/connections` answers. */
export interface ConnectionReport {
  /** The group asked about, when one was. */
  group?: string;
  /** How many user streams are open (in the group, when one was asked about). */
  count: number;
  /** Their identifiers, sorted. */
  identifiers: string[];
  /** The registry's figures for the whole host. */
  stats: EventSourceStats;
}

/** How many recent notifications the digest replays. */
const recentLimit = 5;

/**
 * Sends notifications to users' open streams, found through the injected `EventSourceRegistry`:
 * one user by identifier, a group by a prefix query, everyone by a broadcast.
 */
@injectable()
export class NotificationService {
  readonly #recent: Notification[] = [];
  #sent = 0;

  constructor(@inject(EventSourceRegistry) private readonly sources: EventSourceRegistry) {}

  /** Sends to one user's stream; false when that user has no stream open. */
  toUser(userId: string, text: string): boolean {
    const notification: Notification = { scope: 'user', to: userId, text };
    const stream = this.sources.getByIdentifier<UserStreamEvents>(streamIdentifier(userId));
    if (stream === undefined || !stream.send(notification, { event: 'notification' })) return false;
    this.#remember(notification);
    return true;
  }

  /** Sends to every open stream of a group (`ops` reaches `ops-ada` and `ops-eu-bob`); returns the user ids reached. */
  toGroup(group: string, text: string): string[] {
    const notification: Notification = { scope: 'group', to: group, text };
    const prefix = groupPrefix(group);
    const reached: string[] = [];
    for (const stream of this.sources.find<UserStreamEvents>((id) => id.startsWith(prefix))) {
      if (stream.send(notification, { event: 'notification' })) reached.push(userIdOf(stream.identifier!));
    }
    if (reached.length > 0) this.#remember(notification);
    return reached.sort();
  }

  /**
   * Sends to every open user stream (every identified stream of this host is one), encoded once
   * for all of them; returns how many it was queued for.
   */
  toEveryone(text: string): number {
    const notification: Notification = { scope: 'everyone', text };
    const reached = this.sources.broadcast(notification, { event: 'notification' });
    if (reached > 0) this.#remember(notification);
    return reached;
  }

  /** The open user streams (all, or a group's), with the registry's figures. */
  connections(group?: string): ConnectionReport {
    const streams = group === undefined ? this.sources.all() : this.sources.find((id) => id.startsWith(groupPrefix(group)));
    const identifiers = streams.map((stream) => stream.identifier!).sort();
    return { ...(group === undefined ? {} : { group }), count: identifiers.length, identifiers, stats: this.sources.stats() };
  }

  /** How many user streams are open. */
  get connected(): number {
    return this.sources.count;
  }

  /** How many notifications reached at least one stream since the start. */
  get sent(): number {
    return this.#sent;
  }

  /** The last few notifications that reached someone, oldest first. */
  recent(): readonly Notification[] {
    return [...this.#recent];
  }

  #remember(notification: Notification): void {
    this.#sent++;
    this.#recent.push(notification);
    if (this.#recent.length > recentLimit) this.#recent.shift();
  }
}
