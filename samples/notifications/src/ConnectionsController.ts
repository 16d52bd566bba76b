import { inject, injectable } from 'inversify';
import { HttpError, RouteGet, RoutePrefix, type HttpRequest } from '@sluice/core';
import { NotificationErrorCodes } from './errorCodes.js';
import { idRule, isGroup } from './identifiers.js';
import { NotificationService, type ConnectionReport } from './NotificationService.js';

/** Who is connected, from the registry. */
@RoutePrefix('/notifications')
@injectable()
export class ConnectionsController {
  constructor(@inject(NotificationService) private readonly notifications: NotificationService) {}

  /** `GET /notifications/connections` lists every user stream; `?group=ops` only that group's. */
  @RouteGet('/connections')
  list(req: HttpRequest): ConnectionReport {
    const group = req.query.get('group') ?? undefined;
    if (group !== undefined && !isGroup(group)) {
      throw new HttpError(400, `Invalid group: it must be ${idRule}`, { code: NotificationErrorCodes.InvalidGroup });
    }
    return this.notifications.connections(group);
  }
}
