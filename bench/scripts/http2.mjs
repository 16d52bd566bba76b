// SSE fan-out over HTTP/2 (h2c, prior knowledge) against HTTP/1.1, same servers, same run:
// N streams over S sessions (clients/sse-load-h2.mjs) vs N connections (clients/sse-load.mjs),
// a burst (every event in one tick) and a spread (one event per macrotask) workload.
// Server on core 0, client on core 1; adapters and protocols interleaved, order rotated per
// round. `node scripts/http2.mjs` after `npm run build`; N, SESSIONS, ROUNDS, WORKLOADS,
// ADAPTERS narrow it. Writes results/<date>-http2.{md,json}.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http2 from 'node:http2';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const benchDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const N = Number(process.env.N ?? 1000);
const S = Number(process.env.SESSIONS ?? 10);
const rounds = Number(process.env.ROUNDS ?? 3);
const workloads = (process.env.WORKLOADS ?? '100:64:0 100:64:1').split(/[ ,]+/).filter(Boolean);
const adapters = {
  'sluice-sse': 'servers/sluice-sse/dist/server.js',
  fastify: 'servers/fastify/server.mjs',
  'better-sse': 'servers/better-sse/server.mjs',
};
const only = process.env.ADAPTERS?.split(/[ ,]+/).filter(Boolean);
const names = Object.keys(adapters).filter((name) => !only || only.includes(name));
const protocols = ['h1', 'h2c'];

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

async function ready(port, protocol) {
  if (protocol === 'h1') {
    const res = await fetch(`http://127.0.0.1:${port}/stats`);
    await res.arrayBuffer();
    return;
  }
  await new Promise((resolve, reject) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on('error', reject);
    const stream = session.request({ ':path': '/stats' });
    stream.on('error', reject);
    stream.resume();
    stream.on('end', () => {
      session.close();
      resolve();
    });
  });
}

async function withServer(name, protocol, fn) {
  const port = await freePort();
  const child = spawn('taskset', ['-c', '0', process.execPath, adapters[name]], {
    cwd: benchDir,
    env: { ...process.env, PORT: String(port), ...(protocol === 'h2c' ? { HTTP2: 'h2c' } : {}) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  try {
    for (let i = 0; ; i++) {
      try {
        await ready(port, protocol);
        break;
      } catch {
        if (i > 100 || child.exitCode !== null) throw new Error(`${name} ${protocol} did not start: ${stderr.slice(0, 500)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    return await fn(port, child.pid);
  } finally {
    child.kill();
    await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
  }
}

function load(protocol, port, pid, workload) {
  const [n, size, spread] = workload.split(':');
  const client = protocol === 'h1' ? 'clients/sse-load.mjs' : 'clients/sse-load-h2.mjs';
  const args = [client, String(port), String(pid), String(N), n, size, spread, ...(protocol === 'h1' ? [] : [String(S)])];
  const out = execFileSync('taskset', ['-c', '1', process.execPath, ...args], { cwd: benchDir, encoding: 'utf8', timeout: 300_000 });
  return JSON.parse(out.trim().split('\n').pop());
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

const date = new Date().toISOString().slice(0, 10);
const jsonPath = path.join(benchDir, 'results', `${date}-http2.json`);
const runs = [];
const cells = names.flatMap((name) => protocols.map((protocol) => ({ name, protocol })));
for (let round = 0; round < rounds; round++) {
  const order = cells.map((_, i) => cells[(i + round) % cells.length]);
  for (const { name, protocol } of order) {
    for (const workload of workloads) {
      try {
        const result = await withServer(name, protocol, (port, pid) => load(protocol, port, pid, workload));
        runs.push({ round, name, protocol, workload, ...result });
        console.error(
          `round ${round} ${name} ${protocol} ${workload} ${result.ok ? 'ok' : 'FAILED CHECK'} ${result.cpuUsPerEvent.toFixed(3)} µs/event ${result.deliverMs} ms`,
        );
      } catch (error) {
        runs.push({ round, name, protocol, workload, ok: false, error: String(error.message ?? error).slice(0, 300) });
        console.error(`round ${round} ${name} ${protocol} ${workload} ERROR ${error.message}`);
      }
      fs.writeFileSync(jsonPath, JSON.stringify({ date, N, sessions: S, rounds, workloads, runs }, null, 2));
    }
  }
}

const label = (w) => {
  const [n, size, spread] = w.split(':');
  return `${spread === '1' ? 'spread' : 'burst'} ${n} × ${size} B`;
};
const figure = (name, protocol, workload, key) => {
  const ok = runs.filter((r) => r.name === name && r.protocol === protocol && r.workload === workload && r.ok);
  return ok.length === 0 ? undefined : median(ok.map((r) => r[key]));
};
const fmt = (v, digits = 3) => (v === undefined ? 'n/a' : v.toFixed(digits));
const ratio = (a, b) => (a === undefined || b === undefined ? 'n/a' : `${(a / b).toFixed(2)}×`);
const lines = [
  `# SSE fan-out over HTTP/2 (h2c) vs HTTP/1.1, ${date}`,
  '',
  `N = ${N} streams: over HTTP/2, ${S} sessions of ${N / S} streams (clients/sse-load-h2.mjs); over HTTP/1.1, ${N} connections`,
  `(clients/sse-load.mjs). Server on core 0, client on core 1; medians of ${rounds} rounds, adapters and protocols interleaved.`,
  'Server CPU µs per delivered event (lower is better); every client checked to get every id in order.',
  '',
  '| adapter | workload | h1 µs/event | h2c µs/event | h2c / h1 | h2c vs sluice h2c | h1 delivery ms | h2c delivery ms |',
  '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
];
for (const workload of workloads) {
  const sluiceH2 = figure('sluice-sse', 'h2c', workload, 'cpuUsPerEvent');
  for (const name of names) {
    const h1 = figure(name, 'h1', workload, 'cpuUsPerEvent');
    const h2 = figure(name, 'h2c', workload, 'cpuUsPerEvent');
    lines.push(
      `| ${name} | ${label(workload)} | ${fmt(h1)} | ${fmt(h2)} | ${ratio(h2, h1)} | ${ratio(h2, sluiceH2)} | ${fmt(figure(name, 'h1', workload, 'deliverMs'), 0)} | ${fmt(figure(name, 'h2c', workload, 'deliverMs'), 0)} |`,
    );
  }
}
const failures = runs.filter((r) => !r.ok);
lines.push(
  '',
  failures.length === 0
    ? 'Failures: none.'
    : `Failures: ${failures.map((f) => `${f.name} ${f.protocol} ${f.workload} (round ${f.round}${f.error ? `: ${f.error}` : ''})`).join('; ')}`,
);
fs.writeFileSync(path.join(benchDir, 'results', `${date}-http2.md`), lines.join('\n') + '\n');
console.log(lines.join('\n'));
