/** What the ping scheduler needs from a connection. */
export interface Pingable {
  /** Monotonic ms of the connection's last write (a message or a ping). */
  readonly lastWriteAt: number;
  /** Sends the ping comment; false once the connection is gone. */
  ping(): boolean;
}

/**
 * One timer per distinct ping interval for all connections, not one per
 * connection: with thousands of streams, per-connection timers cost memory and
 * timer-wheel work. A connection that wrote anything within its interval is
 * skipped: its traffic already keeps proxies and the TCP path alive.
 */
export class PingScheduler {
  readonly #groups = new Map<number, { members: Set<Pingable>; timer: NodeJS.Timeout }>();
  readonly #clock: () => number;

  constructor(clock: () => number = () => performance.now()) {
    this.#clock = clock;
  }

  add(member: Pingable, intervalMs: number): void {
    let group = this.#groups.get(intervalMs);
    if (group === undefined) {
      const members = new Set<Pingable>();
      const timer = setInterval(() => this.#tick(members, intervalMs), intervalMs);
      timer.unref();
      group = { members, timer };
      this.#groups.set(intervalMs, group);
    }
    group.members.add(member);
  }

  remove(member: Pingable, intervalMs: number): void {
    const group = this.#groups.get(intervalMs);
    if (group === undefined) return;
    group.members.delete(member);
    if (group.members.size === 0) {
      clearInterval(group.timer);
      this.#groups.delete(intervalMs);
    }
  }

  /** Stops every timer (plugin shutdown). */
  clear(): void {
    for (const group of this.#groups.values()) clearInterval(group.timer);
    this.#groups.clear();
  }

  #tick(members: Set<Pingable>, intervalMs: number): void {
    // Timers fire a little early or late; a small slack keeps a connection that wrote
    // exactly one interval ago from being skipped for a whole extra interval.
    const due = this.#clock() - intervalMs * 0.9;
    for (const member of members) {
      if (member.lastWriteAt <= due) member.ping();
    }
  }
}
