/** A notification as streams receive it, as the data of a `notification` event. */
export interface Notification {
  /** Who it was sent to: one user, a group, or everyone. */
  scope: 'user' | 'group' | 'everyone';
  /** The user id (scope `user`) or the group (scope `group`); absent for everyone. */
  to?: string;
  text: string;
}

/** The events of a user's stream (`GET /notifications/:userId/stream`). */
export interface UserStreamEvents {
  /** The first event: who the stream is for, the groups that reach it, and its idle timeout. */
  welcome: { userId: string; groups: string[]; idleTimeoutMs: number };
  notification: Notification;
}

/** The events of the disposable digest stream (`GET /notifications/digest`). */
export interface DigestEvents {
  summary: { connected: number; notificationsSent: number };
  notification: Notification;
  /** The last event; its id tells a reconnecting browser's request apart. */
  end: string;
}

/** The id of the digest's `end` event: a browser that reconnects anyway sends it back as `Last-Event-ID`. */
export const digestEndId = 'digest-end';
