// The HTTP/2 twin of sse-load.mjs: N event streams spread over S h2c sessions (prior
// knowledge), the same checks (every stream got ids 1..n in order; the server's registry is
// back to 0 after they leave) and the same figures (server CPU per delivered event from
// schedstat, delivery time). Control requests (/stats, /broadcast) go over their own session.
import http2 from 'node:http2';
import fs from 'node:fs';

const [port, serverPid, N, n, size, spread, S] = process.argv.slice(2).map((v, i) => (i === 5 ? v === '1' : Number(v)));
const origin = `http://127.0.0.1:${port}`;
const sessions = S || 10;
const TIMEOUT_MS = 180_000;

function cpuNs(pid) {
  let total = 0;
  for (const task of fs.readdirSync(`/proc/${pid}/task`)) {
    total += Number(fs.readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
  }
  return total;
}

function connect() {
  // A wide connection window: the client reads as fast as it can, the measurement is the server's.
  const session = http2.connect(origin, { settings: { initialWindowSize: 1 << 20 }, peerMaxConcurrentStreams: 10_000 });
  session.on('error', () => {});
  return new Promise((resolve, reject) => {
    session.once('remoteSettings', () => {
      session.setLocalWindowSize(16 << 20);
      resolve(session);
    });
    session.once('error', reject);
  });
}

const control = await connect();
function httpJson(method, path) {
  return new Promise((resolve, reject) => {
    const stream = control.request({ ':method': method, ':path': path });
    let body = '';
    let status = 0;
    stream.setEncoding('utf8');
    stream.on('response', (h) => (status = h[':status']));
    stream.on('data', (chunk) => (body += chunk));
    stream.on('end', () => resolve(status === 202 ? null : JSON.parse(body)));
    stream.on('error', reject);
    stream.end();
  });
}

class Client {
  constructor(id, session) {
    this.id = id;
    this.session = session;
    this.expected = 1;
    this.errors = 0;
    this.done = false;
    this.tail = '';
  }
  open() {
    return new Promise((resolve, reject) => {
      this.stream = this.session.request({ ':method': 'GET', ':path': `/sse?id=c${this.id}`, accept: 'text/event-stream' });
      this.stream.setEncoding('latin1');
      this.stream.once('response', (headers) => {
        this.headers = headers;
        resolve();
      });
      this.stream.on('data', (text) => this.scan(text));
      this.stream.on('error', reject);
    });
  }
  // As in sse-load.mjs: `id:` lines, payloads are 'x'… or 'end' (no chunk framing on HTTP/2).
  scan(text) {
    const all = this.tail + text;
    const lastNl = all.lastIndexOf('\n');
    this.tail = all.slice(lastNl + 1);
    let at = 0;
    for (;;) {
      const i = all.indexOf('id:', at);
      if (i < 0 || i > lastNl) break;
      const nl = all.indexOf('\n', i);
      const id = Number(all.slice(all.charCodeAt(i + 3) === 32 ? i + 4 : i + 3, nl));
      if (id !== this.expected) this.errors++;
      this.expected = id + 1;
      at = nl;
    }
    if (this.expected > n && !this.done) {
      this.done = true;
      this.onDone?.();
    }
  }
}

const streamSessions = await Promise.all(Array.from({ length: sessions }, connect));
const clients = [];
const stats0 = await httpJson('GET', '/stats');
const connectStart = performance.now();
const opening = [];
for (let j = 0; j < N; j++) {
  const c = new Client(j, streamSessions[j % sessions]);
  clients.push(c);
  opening.push(c.open());
}
await Promise.all(opening);
const connectMs = performance.now() - connectStart;
let stats1 = await httpJson('GET', '/stats');
for (let tries = 0; stats1.connections < N && tries < 100; tries++) {
  await new Promise((r) => setTimeout(r, 50));
  stats1 = await httpJson('GET', '/stats');
}
await new Promise((r) => setTimeout(r, 300));
stats1 = await httpJson('GET', '/stats');
const forbidden = ['connection', 'keep-alive', 'transfer-encoding'].filter((name) => clients.some((c) => c.headers?.[name] !== undefined));
let remaining = N;
const allDone = new Promise((resolve) => {
  for (const c of clients)
    c.onDone = () => {
      if (--remaining === 0) resolve();
    };
});
const cpu0 = cpuNs(serverPid);
const t0 = performance.now();
await httpJson('POST', `/broadcast?n=${n}&size=${size}${spread ? '&spread=1' : ''}`);
const timedOut = await Promise.race([allDone.then(() => false), new Promise((r) => setTimeout(() => r(true), TIMEOUT_MS))]);
const deliverMs = performance.now() - t0;
const cpu1 = cpuNs(serverPid);
const errors = clients.reduce((s, c) => s + c.errors, 0);
const incomplete = clients.filter((c) => !c.done).length;
for (const c of clients) c.stream.close(http2.constants.NGHTTP2_CANCEL);
let stats2 = await httpJson('GET', '/stats');
for (let tries = 0; stats2.connections > 0 && tries < 100; tries++) {
  await new Promise((r) => setTimeout(r, 50));
  stats2 = await httpJson('GET', '/stats');
}
for (const s of streamSessions) s.destroy();
control.destroy();
console.log(
  JSON.stringify({
    ok: !timedOut && errors === 0 && incomplete === 0 && stats1.connections === N && stats2.connections === 0 && forbidden.length === 0,
    N,
    n,
    size,
    spread,
    sessions,
    connectMs: Math.round(connectMs),
    deliverMs: Math.round(deliverMs),
    cpuUsPerEvent: (cpu1 - cpu0) / 1000 / (N * n),
    rssPerConnBytes: Math.round((stats1.rss - stats0.rss) / N),
    timedOut,
    errors,
    incomplete,
    forbiddenHeaders: forbidden,
    registered: stats1.connections,
    registryAfter: stats2.connections,
  }),
);
process.exit(0);
