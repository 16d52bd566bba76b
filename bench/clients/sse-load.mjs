// Bounded SSE load client: opens N raw TCP connections to /sse, asks the server
// to broadcast n events, checks every client got ids 1..n in order, and reports
// delivery time and the server's CPU per delivered event (from schedstat).
import net from 'node:net';
import fs from 'node:fs';

const [port, serverPid, N, n, size, spread] = process.argv.slice(2).map((v, i) => (i === 5 ? v === '1' : Number(v)));
const host = '127.0.0.1';
// Long enough for the slowest peer at N=10000 (Hono needs about a minute), so a slow adapter reports a figure, not a failure.
const TIMEOUT_MS = 180_000;

function cpuNs(pid) {
  let total = 0;
  for (const task of fs.readdirSync(`/proc/${pid}/task`)) {
    total += Number(fs.readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
  }
  return total;
}

async function httpJson(method, path) {
  const res = await fetch(`http://${host}:${port}${path}`, { method });
  return res.status === 202 ? null : res.json();
}

class Client {
  constructor(id) {
    this.id = id;
    this.expected = 1;
    this.errors = 0;
    this.done = false;
    this.tail = '';
  }
  open() {
    return new Promise((resolve, reject) => {
      this.socket = net.connect({ port, host }, () => {
        this.socket.write(`GET /sse?id=c${this.id} HTTP/1.1\r\nHost: ${host}\r\nAccept: text/event-stream\r\n\r\n`);
      });
      this.socket.setEncoding('latin1');
      let headed = false;
      this.socket.on('data', (text) => {
        if (!headed) {
          const end = text.indexOf('\r\n\r\n');
          if (end < 0) return;
          headed = true;
          resolve();
          text = text.slice(end + 4);
        }
        this.scan(text);
      });
      this.socket.on('error', reject);
    });
  }
  // Finds `id:` lines (the space after the colon is optional in SSE); the chunk-size lines of
  // chunked encoding never look like one, and payloads are 'x'… or 'end'.
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

const clients = [];
const stats0 = await httpJson('GET', '/stats');
const connectStart = performance.now();
for (let i = 0; i < N; i += 250) {
  const batch = [];
  for (let j = i; j < Math.min(N, i + 250); j++) {
    const c = new Client(j);
    clients.push(c);
    batch.push(c.open());
  }
  await Promise.all(batch);
}
const connectMs = performance.now() - connectStart;
let stats1 = await httpJson('GET', '/stats');
for (let tries = 0; stats1.connections < N && tries < 100; tries++) {
  await new Promise((r) => setTimeout(r, 50));
  stats1 = await httpJson('GET', '/stats');
}
await new Promise((r) => setTimeout(r, 300));
stats1 = await httpJson('GET', '/stats');
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
for (const c of clients) c.socket.destroy();
let stats2 = await httpJson('GET', '/stats');
for (let tries = 0; stats2.connections > 0 && tries < 100; tries++) {
  await new Promise((r) => setTimeout(r, 50));
  stats2 = await httpJson('GET', '/stats');
}
console.log(
  JSON.stringify({
    ok: !timedOut && errors === 0 && incomplete === 0 && stats1.connections === N && stats2.connections === 0,
    N,
    n,
    size,
    spread,
    connectMs: Math.round(connectMs),
    deliverMs: Math.round(deliverMs),
    cpuUsPerEvent: (cpu1 - cpu0) / 1000 / (N * n),
    rssPerConnBytes: Math.round((stats1.rss - stats0.rss) / N),
    timedOut,
    errors,
    incomplete,
    registered: stats1.connections,
    registryAfter: stats2.connections,
  }),
);
process.exit(0);
