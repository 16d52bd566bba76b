import { inject, injectable } from 'inversify';
import { HttpError, HttpResponse, RoutePost, RoutePrefix, type HttpRequest } from '@sluice/core';
import { checkGroup, checkText, checkUserId, readJsonFields } from './bodyFields.js';
import { NotificationErrorCodes } from './errorCodes.js';
import { streamIdentifier } from './identifiers.js';
import { NotificationService } from './NotificationService.js';

/** Routes that send notifications: to one user, to a group, to everyone. Bodies are JSON. */
@RoutePrefix('/notifications')
@injectable()
export class NotifyController {
  constructor(@inject(NotificationService) private readonly notifications: NotificationService) {}

  /** `{ "userId": "42", "text": "..." }`: 202, or 404 when that user has no stream open. */
  @RoutePost('/user')
  async user(req: HttpRequest): Promise<HttpResponse> {
    const { userId, text } = await readJsonFields(req, { userId: checkUserId, text: checkText });
    if (!this.notifications.toUser(userId, text)) {
      throw new HttpError(404, `User ${userId} is not connected: no open stream ${streamIdentifier(userId)}`, {
        code: NotificationErrorCodes.NotConnected,
      });
    }
    return HttpResponse.json({ delivered: true, identifier: streamIdentifier(userId) }, 202);
  }

  /** `{ "group": "ops", "text": "..." }`: 202 with how many streams, and whose, it reached (maybe none). */
  @RoutePost('/group')
  async group(req: HttpRequest): Promise<HttpResponse> {
    const { group, text } = await readJsonFields(req, { group: checkGroup, text: checkText });
    const users = this.notifications.toGroup(group, text);
    return HttpResponse.json({ group, reached: users.length, users }, 202);
  }

  /** `{ "text": "..." }`: 202 with how many streams it reached. */
  @RoutePost('/broadcast')
  async broadcast(req: HttpRequest): Promise<HttpResponse> {
    const { text } = await readJsonFields(req, { text: checkText });
    return HttpResponse.json({ reached: this.notifications.toEveryone(text) }, 202);
  }
}
