// A large export to one client: Sluice's `sse.sendAll(rows())` against raw node:http piping a
// Readable of the same SSE frames with backpressure (`stream.pipeline`). Throughput and the server's
// peak RSS growth, each as a ratio to raw from the same run. Run from the repository root after
// `npm run build`:
//
//   node bench/scripts/export-vs-pipeline.mjs [--mib 100] [--rounds 5]
//
// Each measurement starts a fresh server process pinned to core 0 (`taskset -c 0`); this process,
// the client, pins itself to core 1 and reads as fast as loopback allows, counting bytes and
// checking that the last row arrived. Peak RSS is the server's VmHWM minus its RSS before the export.
import 'reflect-metadata';
import { spawn, execFileSync } from 'node:child_process';
import http from 'node:http';
import { readFileSync, readdirSync } from 'node:fs';
import { Readable, pipeline } from 'node:stream';
import { fileURLToPath } from 'node:url';

const self = fileURLToPath(import.meta.url);
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : process.argv[i + 1];
};
const rowBytes = 1024;
const pad = 'p'.repeat(rowBytes - 40);

if (process.argv[2] === '--server') await serve(process.argv[3], Number(arg('rows', 0)));
else await measure();

function* rows(count) {
  for (let n = 0; n < count; n++) yield { n, pad };
}

async function serve(kind, count) {
  let url;
  if (kind === 'raw') {
    const server = http.createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
      const frames = (function* () {
        for (const row of rows(count)) yield `event: row\nid: ${row.n}\ndata: ${JSON.stringify(row)}\n\n`;
      })();
      pipeline(Readable.from(frames), res, () => {});
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${server.address().port}/export`;
  } else {
    const { HttpServer } = await import('@sluice/core');
    const { ssePlugin } = await import('@sluice/sse');
    const host = HttpServer.createBuilder()
      .useListeningPort(0)
      .useConfiguration((c) => {
        c.logger = false;
      })
      .usePlugin(ssePlugin())
      .build();
    host.router.get('/export', async (req) => {
      const sse = req.getEventSource();
      await sse.sendAll(rows(count), { event: 'row', id: (row) => row.n });
      return sse.close();
    });
    await host.start();
    url = `${host.url}/export`;
  }
  globalThis.gc?.();
  process.stdout.write(`${url}\n`);
}

// CPU time of every thread of the server (on-CPU ns from schedstat), so a client-bound run still
// shows what each MiB cost the server.
function cpuNs(pid) {
  let total = 0;
  for (const task of readdirSync(`/proc/${pid}/task`))
    total += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
  return total;
}

function status(pid, field) {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(field));
  return Number(line.split(/\s+/)[1]) * 1024;
}

async function once(kind, count) {
  const child = spawn('taskset', ['-c', '0', process.execPath, '--expose-gc', self, '--server', kind, '--rows', String(count)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise((resolve) => child.stdout.once('data', (d) => resolve(String(d).trim())));
  // taskset execs node in place, so the child's pid is the server's.
  const pid = child.pid;
  const before = status(pid, 'VmRSS:');
  const cpuBefore = cpuNs(pid);
  const started = performance.now();
  let bytes = 0;
  let tail = '';
  await new Promise((resolve, reject) => {
    http.get(url, (res) => {
      res.on('data', (chunk) => {
        bytes += chunk.length;
        tail = (tail + chunk.toString('latin1')).slice(-2048);
      });
      res.on('end', resolve);
      res.on('error', reject);
    });
  });
  const seconds = (performance.now() - started) / 1000;
  const peak = status(pid, 'VmHWM:');
  const cpuMs = (cpuNs(pid) - cpuBefore) / 1e6;
  child.kill();
  if (!tail.includes(`id: ${count - 1}\n`)) throw new Error(`${kind}: the last row did not arrive`);
  return {
    mibPerS: bytes / 1048576 / seconds,
    cpuMsPerMiB: cpuMs / (bytes / 1048576),
    peakGrowthMiB: (peak - before) / 1048576,
    mib: bytes / 1048576,
  };
}

async function measure() {
  execFileSync('taskset', ['-p', '-c', '1', String(process.pid)]);
  const mib = Number(arg('mib', 100));
  const rounds = Number(arg('rounds', 5));
  const count = Math.round((mib * 1048576) / rowBytes);
  const results = { raw: [], sluice: [] };
  for (let round = 0; round < rounds; round++) {
    for (const kind of round % 2 === 0 ? ['raw', 'sluice'] : ['sluice', 'raw']) {
      const r = await once(kind, count);
      results[kind].push(r);
      console.log(
        `round ${round + 1} ${kind.padEnd(6)} ${r.mib.toFixed(1)} MiB at ${r.mibPerS.toFixed(1)} MiB/s, server CPU ${r.cpuMsPerMiB.toFixed(2)} ms/MiB, peak RSS +${r.peakGrowthMiB.toFixed(1)} MiB`,
      );
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const summary = (rs) => ({
    t: median(rs.map((r) => r.mibPerS)),
    c: median(rs.map((r) => r.cpuMsPerMiB)),
    m: median(rs.map((r) => r.peakGrowthMiB)),
  });
  const raw = summary(results.raw);
  const sluice = summary(results.sluice);
  console.log(`\n${mib} MiB export, ${count} rows of ${rowBytes} B, median of ${rounds} rounds`);
  for (const [name, r] of [
    ['raw pipeline  ', raw],
    ['sluice sendAll', sluice],
  ])
    console.log(`${name} ${r.t.toFixed(1)} MiB/s, server CPU ${r.c.toFixed(2)} ms/MiB, peak RSS +${r.m.toFixed(1)} MiB`);
  console.log(
    `ratios to raw: throughput ${(sluice.t / raw.t).toFixed(2)}×, server CPU per MiB ${(sluice.c / raw.c).toFixed(2)}×, peak RSS growth ${(sluice.m / raw.m).toFixed(2)}×`,
  );
}
