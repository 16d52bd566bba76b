import { inject, injectable } from 'inversify';
import { HttpError, HttpResponse, RouteGet, RoutePrefix, type HttpRequest } from '@sluice/core';
import '@sluice/sse';
import { NotificationErrorCodes } from './errorCodes.js';
import { digestEndId, type DigestEvents, type UserStreamEvents } from './events.js';
import { groupsOf, idRule, isUserId, streamIdentifier } from './identifiers.js';
import { NotificationService } from './NotificationService.js';
import { StreamSettings } from './StreamSettings.js';

/** The event streams: one persistent stream per user, and a disposable digest. */
@RoutePrefix('/notifications')
@injectable()
export class StreamsController {
  constructor(
    @inject(NotificationService) private readonly notifications: NotificationService,
    @inject(StreamSettings) private readonly settings: StreamSettings,
  ) {}

  /**
   * A user's keep-alive stream, identified as `user-<userId>` so that `NotificationService` finds it.
   * Pings keep it alive on the wire; it stays open until the client leaves or no notification was
   * sent for the idle timeout (pings do not count), then the server ends it.
   * `curl -N localhost:3000/notifications/ops-ada/stream`
   */
  @RouteGet('/:userId/stream')
  async stream(req: HttpRequest): Promise<HttpResponse> {
    const userId = req.params.userId!;
    if (!isUserId(userId)) {
      throw new HttpError(400, `Invalid user id: it must be ${idRule}`, { code: NotificationErrorCodes.InvalidUserId });
    }
    const { pingIntervalMs, idleTimeoutMs } = this.settings;
    const sse = req.getEventSource<UserStreamEvents>(streamIdentifier(userId));

    // Headers go out with the first event, so they are appended first.
    sse.appendHeader('X-Stream-Identifier', streamIdentifier(userId));
    sse.appendHeader('X-Idle-Timeout-Ms', String(idleTimeoutMs));

    sse.withPing((ping) => {
      ping.dataMessage = 'ping';
      ping.interval = pingIntervalMs;
      ping.start();
    });
    sse.send({ userId, groups: groupsOf(userId), idleTimeoutMs }, { event: 'welcome' });

    // Resolves when the client leaves, when a newer stream for the same user replaces this one,
    // or after idleTimeoutMs without a notification: whichever comes first.
    await sse.keepAlive(idleTimeoutMs);
    return sse.close();
  }

  /**
   * A disposable stream: a summary, the latest notifications and an `end` event, then the server
   * ends it. `curl -N localhost:3000/notifications/digest`
   */
  @RouteGet('/digest')
  digest(req: HttpRequest): HttpResponse {
    const sse = req.getEventSource<DigestEvents>();
    // A browser reconnects after every end of stream, sending the last event id it saw. It got the
    // whole digest: a 204 tells its EventSource to stop for good.
    if (sse.lastEventId === digestEndId) return HttpResponse.empty(204);

    sse.send({ connected: this.notifications.connected, notificationsSent: this.notifications.sent }, { event: 'summary' });
    for (const notification of this.notifications.recent()) sse.send(notification, { event: 'notification' });
    sse.send('end of digest', { event: 'end', id: digestEndId });
    return sse.close();
  }
}
