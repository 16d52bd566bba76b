import { inject, injectable } from 'inversify';
import { EventSourceRegistry } from '@sluice/sse';

/** Reaches users' open streams from anywhere through the registry. */
@injectable()
export class Notifier {
  constructor(@inject(EventSourceRegistry) private readonly sources: EventSourceRegistry) {}

  /** Sends to one user's stream; false when that user has none open. */
  notify(user: string, text: string): boolean {
    return this.sources.getByIdentifier(`user-${user}`)?.send(text) ?? false;
  }

  /** Sends to every user stream; returns how many got it. */
  announce(text: string): number {
    let reached = 0;
    for (const source of this.sources.find((id) => id.startsWith('user-'))) if (source.send(text, { event: 'announcement' })) reached++;
    return reached;
  }
}
