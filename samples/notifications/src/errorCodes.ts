/** The `code` of this sample's JSON error bodies, for clients to branch on. */
export const NotificationErrorCodes = {
  /** A POST body that is not a JSON object with the expected, valid fields. */
  InvalidBody: 'NOTIFICATIONS_INVALID_BODY',
  /** A malformed user id in a stream path. */
  InvalidUserId: 'NOTIFICATIONS_INVALID_USER_ID',
  /** A malformed `group` query parameter. */
  InvalidGroup: 'NOTIFICATIONS_INVALID_GROUP',
  /** A notification for a user who has no stream open. */
  NotConnected: 'NOTIFICATIONS_NOT_CONNECTED',
} as const;
