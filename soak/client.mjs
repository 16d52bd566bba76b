// The soak's client process: raw TCP connections to the server (thousands of them, which
// fetch/undici would pool and hide), driven by the runner over IPC. Every stream parses what
// it gets (head, chunked framing, events) and checks the broadcast ids arrive 1, 2, 3... in order.
import { connect } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { serve } from './lib/ipc.mjs';
import { StreamReader } from './lib/StreamReader.mjs';

const HOST = '127.0.0.1';
const groups = new Map();

/** One SSE connection: counts the events it got and whether their ids ran in order. */
class Stream {
  received = 0;
  lastId = 0;
  outOfOrder = 0;
  shutdown = false;
  /** Broadcast events that came after the shutdown event (must be none). */
  afterShutdown = 0;
  types = {};
  closed = false;
  closedAt = 0;

  constructor(port, path, { pauseAfterHead = false } = {}) {
    this.path = path;
    this.reader = new StreamReader((type, id) => this.#onEvent(type, id));
    this.head = new Promise((resolve) => {
      this.reader.onHead = (status) => {
        if (pauseAfterHead) this.socket.pause();
        resolve(status);
      };
      this.socket = connect({ port, host: HOST }, () => {
        this.socket.write(`GET ${path} HTTP/1.1\r\nHost: ${HOST}:${port}\r\nAccept: text/event-stream\r\n\r\n`);
      });
      this.socket.setEncoding('latin1');
      this.socket.on('data', (text) => this.reader.feed(text));
      this.socket.on('error', () => {});
      this.socket.on('close', () => {
        this.closed = true;
        this.closedAt = performance.now();
        resolve(this.reader.status);
        this.onClose?.();
      });
    });
  }

  #onEvent(type, id) {
    this.types[type] = (this.types[type] ?? 0) + 1;
    if (type === 'shutdown') {
      this.shutdown = true;
      return;
    }
    if (type !== 'message') return;
    if (this.shutdown) this.afterShutdown++;
    this.received++;
    const n = Number(id);
    if (n !== this.lastId + 1) this.outOfOrder++;
    this.lastId = n;
  }

  /** The server ended the response (the last chunk) or the connection. */
  get ended() {
    return this.closed || this.reader.ended;
  }

  destroy() {
    this.socket.destroy();
  }
}

/** Runs `task(i)` for i in 0..count-1, at most `concurrency` at a time. */
async function pool(count, concurrency, task) {
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

function histogram(values) {
  const counts = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

function summary(streams, last) {
  let received = 0;
  let lost = 0;
  let outOfOrder = 0;
  let complete = 0;
  let afterShutdown = 0;
  let lastMin = Infinity;
  let lastMax = 0;
  for (const s of streams) {
    received += s.received;
    outOfOrder += s.outOfOrder;
    afterShutdown += s.afterShutdown;
    if (last !== undefined) lost += Math.max(0, last - s.received);
    if (last !== undefined && s.lastId >= last) complete++;
    lastMin = Math.min(lastMin, s.lastId);
    lastMax = Math.max(lastMax, s.lastId);
  }
  return {
    streams: streams.length,
    open: streams.filter((s) => !s.ended).length,
    ended: streams.filter((s) => s.ended).length,
    received,
    lost,
    outOfOrder,
    complete,
    shutdown: streams.filter((s) => s.shutdown).length,
    afterShutdown,
    lastIdMin: streams.length === 0 ? 0 : lastMin,
    lastIdMax: lastMax,
  };
}

/** Resolves true once holds() (checked every 10 ms), false after timeoutMs. */
async function until(holds, timeoutMs) {
  const start = performance.now();
  while (!holds()) {
    if (performance.now() - start > timeoutMs) return false;
    await delay(10);
  }
  return true;
}

serve({
  /** Opens `count` streams to `path` (with `?id=<prefix><i>` when prefix is set), `concurrency` at a time. */
  async open({ port, group, path = '/sse', prefix, count, concurrency = 250, pauseAfterHead = false }) {
    const streams = groups.get(group) ?? [];
    groups.set(group, streams);
    const statuses = [];
    const start = performance.now();
    await pool(count, concurrency, async (i) => {
      const stream = new Stream(port, prefix === undefined ? path : `${path}?id=${prefix}${i}`, { pauseAfterHead });
      streams.push(stream);
      statuses.push(await stream.head);
    });
    return { statuses: histogram(statuses), ms: performance.now() - start };
  },

  /** Waits until every open stream of the group got events up to id `last`; returns the summary. */
  async progress({ group, last, timeoutMs = 30_000 }) {
    const streams = groups.get(group) ?? [];
    const start = performance.now();
    await until(() => streams.every((s) => s.ended || s.lastId >= last), timeoutMs);
    return { ...summary(streams, last), ms: performance.now() - start };
  },

  /** Waits until the server ended every stream of the group; returns the summary. */
  async waitEnded({ group, last, timeoutMs = 30_000 }) {
    const streams = groups.get(group) ?? [];
    const start = performance.now();
    await until(() => streams.every((s) => s.ended), timeoutMs);
    return { ...summary(streams, last), ms: performance.now() - start };
  },

  state: ({ group, last }) => summary(groups.get(group) ?? [], last),

  /** Closes every stream of the group from the client side. */
  close({ group }) {
    const streams = groups.get(group) ?? [];
    for (const stream of streams) stream.destroy();
    groups.delete(group);
    return streams.length;
  },

  /**
   * Connect/disconnect cycles against `/sse?id=...`: most open a stream and close it; every
   * `replaceEvery`-th opens a second stream with the same identifier (the server must close
   * the first); every `halfCloseEvery`-th (offset by half) half-closes before it closes.
   */
  async churn({ port, from = 0, cycles, concurrency = 50, replaceEvery = 10, halfCloseEvery = 10 }) {
    const counts = { plain: 0, replaced: 0, replacedNotClosed: 0, halfClosed: 0, failed: 0 };
    const half = Math.floor(halfCloseEvery / 2);
    await pool(cycles, concurrency, async (i) => {
      const k = from + i;
      try {
        if (replaceEvery > 0 && k % replaceEvery === 0) {
          const first = new Stream(port, `/sse?id=r-${k}`);
          if ((await first.head) !== 200) return void counts.failed++;
          const second = new Stream(port, `/sse?id=r-${k}`);
          if ((await second.head) !== 200) counts.failed++;
          // The first must be closed by the server once the second took its identifier.
          if (await until(() => first.ended, 5_000)) counts.replaced++;
          else counts.replacedNotClosed++;
          first.destroy();
          second.destroy();
        } else if (halfCloseEvery > 0 && k % halfCloseEvery === half) {
          const stream = new Stream(port, `/sse?id=h-${k}`);
          if ((await stream.head) !== 200) return void counts.failed++;
          stream.socket.end();
          await delay(5);
          stream.destroy();
          counts.halfClosed++;
        } else {
          const stream = new Stream(port, `/sse?id=c-${k}`);
          if ((await stream.head) !== 200) return void counts.failed++;
          stream.destroy();
          counts.plain++;
        }
      } catch {
        counts.failed++;
      }
    });
    return counts;
  },

  /**
   * Slowloris: `count` connections that trickle a request head that never ends (`head`) or a
   * body that never ends (`body`), one more byte every `intervalMs`. Resolves once all are cut
   * (or after `timeoutMs`) with when they were cut and what they were told. Midway it checks an
   * ordinary request still gets a quick answer.
   */
  async slowloris({ port, count, kind, intervalMs = 500, timeoutMs = 30_000, probeAfterMs = 500 }) {
    const conns = [];
    const start = performance.now();
    for (let i = 0; i < count; i++) {
      const conn = { cutMs: undefined, text: '' };
      conn.socket = connect({ port, host: HOST }, () => {
        conn.openedAt = performance.now();
        conn.socket.write(
          kind === 'head'
            ? `GET /health HTTP/1.1\r\nHost: ${HOST}\r\n`
            : `POST /upload HTTP/1.1\r\nHost: ${HOST}\r\nContent-Type: application/octet-stream\r\nContent-Length: 100000\r\n\r\n`,
        );
        conn.timer = setInterval(() => {
          if (conn.socket.writable) conn.socket.write(kind === 'head' ? 'X' : 'x');
        }, intervalMs);
      });
      conn.socket.setEncoding('latin1');
      conn.socket.on('data', (text) => (conn.text += text));
      conn.socket.on('error', () => {});
      conn.socket.on('close', () => {
        clearInterval(conn.timer);
        conn.cutMs = performance.now() - (conn.openedAt ?? start);
      });
      conns.push(conn);
    }
    await delay(probeAfterMs);
    const probeStart = performance.now();
    let probe;
    try {
      const res = await fetch(`http://${HOST}:${port}/health`, { signal: AbortSignal.timeout(5_000) });
      probe = { status: res.status, ms: performance.now() - probeStart };
      await res.text();
    } catch (error) {
      probe = { status: 0, ms: performance.now() - probeStart, error: String(error) };
    }
    await until(() => conns.every((c) => c.cutMs !== undefined), timeoutMs);
    for (const conn of conns) {
      clearInterval(conn.timer);
      conn.socket.destroy();
    }
    const cut = conns.filter((c) => c.cutMs !== undefined).map((c) => c.cutMs);
    cut.sort((a, b) => a - b);
    const statuses = histogram(conns.map((c) => /^HTTP\/1\.[01] (\d{3})/.exec(c.text)?.[1] ?? (c.cutMs === undefined ? 'open' : 'none')));
    return {
      count,
      cut: cut.length,
      cutMinMs: cut[0] ?? null,
      cutMedianMs: cut[Math.floor(cut.length / 2)] ?? null,
      cutMaxMs: cut.at(-1) ?? null,
      statuses,
      probe,
    };
  },

  /** Opens `count` streams to `path` at once, each collected until the server closes it (or timeoutMs). */
  async collect({ port, path, count, timeoutMs = 10_000 }) {
    const streams = Array.from({ length: count }, () => new Stream(port, path));
    const statuses = await Promise.all(streams.map((s) => s.head));
    await until(() => streams.every((s) => s.ended), timeoutMs);
    for (const stream of streams) stream.destroy();
    const got = {};
    for (const s of streams) for (const type of Object.keys(s.types)) got[type] = (got[type] ?? 0) + 1;
    return { count, statuses: histogram(statuses), ended: streams.filter((s) => s.ended).length, got };
  },

  /** GET `path` with fetch; the status and the time it took (0 when it failed). */
  async get({ port, path = '/health', timeoutMs = 5_000 }) {
    const start = performance.now();
    try {
      const res = await fetch(`http://${HOST}:${port}${path}`, { signal: AbortSignal.timeout(timeoutMs) });
      await res.text();
      return { status: res.status, ms: performance.now() - start };
    } catch (error) {
      return { status: 0, ms: performance.now() - start, error: String(error) };
    }
  },
});
