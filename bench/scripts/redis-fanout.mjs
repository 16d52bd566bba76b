// Fan-out through the Redis backplane: 1 node × N clients vs 2 nodes × N/2 on one Redis (and the
// same host without Redis as the reference), n events of `size` bytes, one per macrotask.
// Reports delivered events/s, server CPU per delivered event (Sluice nodes, and Redis apart), and
// publish → client latency p50/p99 on the node that did not publish (on the only node for 1 node).
//
//   cd bench && npm run build:redis && node scripts/redis-fanout.mjs        # N=5000, n=100, size=64
//   CLIENTS=1000 EVENTS=100 SIZE=64 ROUNDS=3 GAP_MS=10 node scripts/redis-fanout.mjs
//
// Servers and redis-server are pinned to core 0, this load process to core 1 (taskset).
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import net from 'node:net';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

const CLIENTS = Number(process.env.CLIENTS ?? 5000);
const EVENTS = Number(process.env.EVENTS ?? 100);
const SIZE = Number(process.env.SIZE ?? 64);
const ROUNDS = Number(process.env.ROUNDS ?? 1);
// 0: the events go out as a burst (one per macrotask); > 0: one every GAP_MS ms, for latency without queueing.
const GAP_MS = Number(process.env.GAP_MS ?? 0);
const server = fileURLToPath(new URL('../servers/sluice-redis/server.mjs', import.meta.url));
const hasTaskset = spawnSync('taskset', ['-V']).status === 0;

const children = new Set();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

function pinned(command, args, options) {
  const child = hasTaskset ? spawn('taskset', ['-c', '0', command, ...args], options) : spawn(command, args, options);
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

function cpuNs(pid) {
  let total = 0;
  for (const task of fs.readdirSync(`/proc/${pid}/task`))
    total += Number(fs.readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
  return total;
}

async function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function startRedis() {
  const port = await freePort();
  const child = pinned('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => (s.destroy(), resolve(true)));
      s.on('error', () => resolve(false));
    });
    if (ok) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  // The real pid (taskset execs, so it is the same process).
  return { port, child, pid: child.pid };
}

async function startNode(redisUrl) {
  const child = pinned(process.execPath, [server], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, REDIS_URL: redisUrl ?? '' },
  });
  const port = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /READY (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`node exited ${code}`)));
  });
  return { port, child, pid: child.pid };
}

class Client {
  constructor(port, id, measure) {
    this.port = port;
    this.id = id;
    this.measure = measure;
    this.count = 0;
    this.next = 1;
    this.errors = 0;
    this.tail = '';
    this.latencies = [];
  }
  open() {
    return new Promise((resolve, reject) => {
      const socket = (this.socket = net.connect(this.port, '127.0.0.1', () =>
        socket.write(`GET /sse?id=c${this.id} HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n`),
      ));
      socket.setEncoding('latin1');
      let headed = false;
      socket.on('data', (text) => {
        if (!headed) {
          const end = text.indexOf('\r\n\r\n');
          if (end < 0) return;
          headed = true;
          resolve();
          text = text.slice(end + 4);
        }
        this.scan(text);
      });
      socket.on('error', reject);
    });
  }
  scan(text) {
    const now = performance.timeOrigin + performance.now();
    const all = this.tail + text;
    const lastNl = all.lastIndexOf('\n');
    this.tail = all.slice(lastNl + 1);
    let at = 0;
    for (;;) {
      const i = all.indexOf('data: ', at);
      if (i < 0 || i > lastNl) break;
      const sp = all.indexOf(' ', i + 6);
      const seq = Number(all.slice(i + 6, sp));
      if (seq !== this.next) this.errors++;
      this.next = seq + 1;
      this.count++;
      if (this.measure) this.latencies.push(now - Number(all.slice(sp + 1, all.indexOf(' ', sp + 1))));
      at = sp;
    }
  }
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function measure(label, nodeCount, withRedis) {
  const redis = withRedis ? await startRedis() : undefined;
  const url = redis ? `redis://127.0.0.1:${redis.port}` : undefined;
  const nodes = [];
  for (let i = 0; i < nodeCount; i++) nodes.push(await startNode(url));
  const clients = [];
  const perNode = Math.ceil(CLIENTS / nodeCount);
  for (let i = 0; i < CLIENTS; i++) {
    const node = Math.floor(i / perNode);
    // Latency is measured on the node that does not publish (node 0 publishes), or on the only one.
    clients.push(new Client(nodes[node].port, i, nodeCount === 1 || node > 0));
  }
  if (process.env.DEBUG)
    console.error(
      label,
      'nodes up',
      nodes.map((n) => n.port),
    );
  for (let i = 0; i < clients.length; i += 200) await Promise.all(clients.slice(i, i + 200).map((c) => c.open()));
  for (const node of nodes) {
    for (;;) {
      const { count } = await (await fetch(`http://127.0.0.1:${node.port}/count`)).json();
      if (count >= Math.min(perNode, CLIENTS)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  if (process.env.DEBUG) console.error(label, 'clients registered');
  await new Promise((r) => setTimeout(r, 300)); // presence settles
  // One unmeasured round first: JIT warm-up, and Redis connections and scripts in use.
  await fetch(`http://127.0.0.1:${nodes[0].port}/broadcast?n=${EVENTS}&size=${SIZE}&gap=${GAP_MS}`, { method: 'POST' });
  const warm = Date.now() + 60_000;
  while (clients.some((c) => c.count < EVENTS) && Date.now() < warm) await new Promise((r) => setTimeout(r, 5));
  for (const c of clients) {
    c.count = 0;
    c.next = 1;
    c.latencies = [];
  }
  const cpuBefore = nodes.map((n) => cpuNs(n.pid));
  const redisBefore = redis ? cpuNs(redis.pid) : 0;
  const began = performance.now();
  await fetch(`http://127.0.0.1:${nodes[0].port}/broadcast?n=${EVENTS}&size=${SIZE}&gap=${GAP_MS}`, { method: 'POST' });
  const expected = CLIENTS * EVENTS;
  const deadline = Date.now() + 120_000;
  while (clients.reduce((sum, c) => sum + c.count, 0) < expected && Date.now() < deadline) await new Promise((r) => setImmediate(r));
  const elapsedMs = performance.now() - began;
  const delivered = clients.reduce((sum, c) => sum + c.count, 0);
  const nodeCpu = nodes.reduce((sum, n, i) => sum + cpuNs(n.pid) - cpuBefore[i], 0);
  const redisCpu = redis ? cpuNs(redis.pid) - redisBefore : 0;
  const latencies = clients.flatMap((c) => c.latencies).sort((a, b) => a - b);
  const orderErrors = clients.reduce((sum, c) => sum + c.errors, 0);
  for (const c of clients) c.socket.destroy();
  for (const n of nodes) n.child.kill('SIGKILL');
  redis?.child.kill('SIGKILL');
  await new Promise((r) => setTimeout(r, 300));
  return {
    label,
    delivered,
    expected,
    orderErrors,
    eventsPerSec: Math.round(delivered / (elapsedMs / 1000)),
    nodeCpuUsPerEvent: +(nodeCpu / 1000 / delivered).toFixed(3),
    redisCpuUs: Math.round(redisCpu / 1000),
    latencyP50Ms: +percentile(latencies, 50).toFixed(2),
    latencyP99Ms: +percentile(latencies, 99).toFixed(2),
  };
}

async function main() {
  if (spawnSync('redis-server', ['--version']).status !== 0) throw new Error('redis-server is not installed');
  execFileSync('bash', ['-c', `ulimit -n`], { stdio: 'ignore' });
  const results = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const [label, count, withRedis] of [
      ['1 node, no redis (reference)', 1, false],
      [`1 node × ${CLIENTS}, redis`, 1, true],
      [`2 nodes × ${CLIENTS / 2}, redis`, 2, true],
    ]) {
      const result = await measure(label, count, withRedis);
      results.push({ round, ...result });
      console.log(JSON.stringify({ round, ...result }));
    }
  }
  console.table(results);
}

if (hasTaskset && process.env.PINNED !== '1') {
  // Re-run this script on core 1; the servers it starts go on core 0.
  const child = spawn('taskset', ['-c', '1', process.execPath, fileURLToPath(import.meta.url)], {
    stdio: 'inherit',
    env: { ...process.env, PINNED: '1' },
  });
  child.on('exit', (code) => process.exit(code ?? 1));
} else {
  await main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
