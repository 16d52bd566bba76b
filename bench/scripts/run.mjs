// One command for every benchmark: `npm run bench` (full) or `npm run bench:quick` (< 2 min).
// Servers are pinned to core 0 and load generators to core 1; adapters are interleaved in short
// slices with their order rotated each round (this VM drifts by up to 20% over minutes), and
// medians with their spread are reported, as absolute figures and as ratios to raw node:http.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderReport, renderPlot } from './report.mjs';

const benchDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const quick = process.argv.includes('--quick');
const only = process.env.ADAPTERS?.split(/[ ,]+/).filter(Boolean);

/** Every server; `http`/`sse` say which contracts it serves. */
const servers = {
  raw: { cmd: ['servers/raw/server.mjs'], http: true },
  sluice: { cmd: ['servers/sluice/dist/server.js'], http: true },
  fastify: { cmd: ['servers/fastify/server.mjs'], http: true, sse: true },
  hono: { cmd: ['servers/hono/server.mjs'], http: true, sse: true },
  nest: { cmd: ['servers/nest/dist/server.js'], http: true, sse: true },
  'raw-sse': { cmd: ['servers/raw-sse/server.mjs'], sse: true },
  'raw-sse-joined': { cmd: ['servers/raw-sse/server.mjs'], env: { JOIN_TICK: '1' }, sse: true },
  'sluice-sse': { cmd: ['servers/sluice-sse/dist/server.js'], sse: true },
  'sluice-sse-1ms': { cmd: ['servers/sluice-sse/dist/server.js'], env: { FLUSH_WINDOW_MS: '1' }, sse: true },
  'better-sse': { cmd: ['servers/better-sse/server.mjs'], sse: true },
};
const defaults = quick
  ? { httpRounds: 1, httpSeconds: 1, sseRounds: 1, sizes: [500], workloads: ['100:64:0', '20:4096:0', '100:64:1'] }
  : { httpRounds: 5, httpSeconds: 5, sseRounds: 3, sizes: [1000, 5000, 10000], workloads: ['100:64:0', '20:4096:0', '100:64:1'] };
// Narrowing a run to one question (e.g. SIZES=5000 WORKLOADS=100:64:1 ROUNDS=7): environment overrides.
const list = (name) => process.env[name]?.split(/[ ,]+/).filter(Boolean);
const rounds = process.env.ROUNDS === undefined ? undefined : Number(process.env.ROUNDS);
const plan = {
  ...defaults,
  httpRounds: rounds ?? defaults.httpRounds,
  sseRounds: rounds ?? defaults.sseRounds,
  sizes: list('SIZES')?.map(Number) ?? defaults.sizes,
  workloads: list('WORKLOADS') ?? defaults.workloads,
};
if (
  !plan.sizes.every((n) => Number.isInteger(n) && n > 0) ||
  !(plan.httpRounds > 0) ||
  !plan.workloads.every((w) => /^\d+:\d+:[01]$/.test(w))
) {
  throw new Error('SIZES must be positive integers, ROUNDS a positive number, WORKLOADS n:size:spread (e.g. 100:64:1)');
}
const skipHttp = process.env.SKIP_HTTP === '1';
const pick = (kind) =>
  Object.keys(servers).filter(
    (name) => servers[name][kind] && fs.existsSync(path.join(benchDir, servers[name].cmd[0])) && (!only || only.includes(name)),
  );
const rotate = (list, k) => list.map((_, i) => list[(i + k) % list.length]);

/** A port the kernel just handed out, so a stray server from an earlier run cannot answer for this one. */
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

async function withServer(name, fn) {
  const server = servers[name];
  const port = await freePort();
  const child = spawn('taskset', ['-c', '0', process.execPath, ...server.cmd], {
    cwd: benchDir,
    env: { ...process.env, ...server.env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  try {
    for (let i = 0; ; i++) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/${servers[name].sse ? 'stats' : 'hello'}`);
        await res.arrayBuffer();
        break;
      } catch {
        if (i > 100 || child.exitCode !== null)
          throw new Error(
            `${name} did not start (exit ${child.exitCode ?? 'none'}, signal ${child.signalCode ?? 'none'}): ${stderr.slice(0, 500) || 'no stderr'}`,
          );
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    return await fn(port, child.pid);
  } finally {
    child.kill();
    await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
  }
}

function cpuNs(pid) {
  let total = 0;
  for (const task of fs.readdirSync(`/proc/${pid}/task`))
    total += Number(fs.readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
  return total;
}

function wrk(port, urlPath, seconds) {
  const out = execFileSync('taskset', ['-c', '1', 'wrk', '-t1', '-c64', `-d${seconds}s`, `http://127.0.0.1:${port}${urlPath}`], {
    encoding: 'utf8',
  });
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)[1]),
    requests: Number(/(\d+) requests in/.exec(out)[1]),
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0),
  };
}

function sseLoad(port, pid, N, n, size, spread) {
  const out = execFileSync(
    'taskset',
    ['-c', '1', process.execPath, 'clients/sse-load.mjs', String(port), String(pid), String(N), String(n), String(size), spread],
    {
      cwd: benchDir,
      encoding: 'utf8',
      timeout: 300_000,
    },
  );
  return JSON.parse(out.trim().split('\n').pop());
}

for (const tool of ['wrk', 'taskset']) {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
  } catch {
    console.error(`bench needs ${tool} on the PATH (Debian: apt-get install ${tool === 'wrk' ? 'wrk' : 'util-linux'})`);
    process.exit(1);
  }
}

const results = { date: new Date().toISOString(), quick, node: process.version, http: [], sse: [] };
// A narrowed run never overwrites a full one: it is saved as <date>-<LABEL or 'partial'>.
const narrowed = ['ADAPTERS', 'SIZES', 'WORKLOADS', 'ROUNDS', 'SKIP_HTTP'].some((name) => process.env[name] !== undefined);
const stamp =
  results.date.slice(0, 10) + (quick ? '-quick' : '') + (narrowed || process.env.LABEL ? `-${process.env.LABEL ?? 'partial'}` : '');
fs.mkdirSync(path.join(benchDir, 'results'), { recursive: true });
// Saved after every measurement, so an interrupted full run still leaves its data.
const save = () => fs.writeFileSync(path.join(benchDir, 'results', `${stamp}.json`), JSON.stringify(results, null, 1));
const log = (...args) => console.error(...args);

const httpAdapters = skipHttp ? [] : pick('http');
for (let round = 0; round < plan.httpRounds; round++) {
  for (const name of rotate(httpAdapters, round)) {
    try {
      await withServer(name, async (port, pid) => {
        for (const urlPath of ['/hello', '/users/42']) {
          wrk(port, urlPath, 1); // warm-up
          const cpu0 = cpuNs(pid);
          const r = wrk(port, urlPath, plan.httpSeconds);
          const cpu = (cpuNs(pid) - cpu0) / r.requests;
          results.http.push({ adapter: name, round, path: urlPath, rps: r.rps, cpuNsPerRequest: cpu, ok: r.non2xx === 0 });
          save();
          log(`http ${name} ${urlPath} ${r.rps.toFixed(0)} req/s ${cpu.toFixed(0)} ns/req${r.non2xx ? ` (${r.non2xx} non-2xx!)` : ''}`);
        }
      });
    } catch (error) {
      results.http.push({ adapter: name, round, error: String(error.message ?? error).slice(0, 300) });
      log(`http ${name} FAILED: ${error.message}`);
    }
  }
}

const sseAdapters = pick('sse');
for (const N of plan.sizes) {
  for (let round = 0; round < plan.sseRounds; round++) {
    for (const name of rotate(sseAdapters, round)) {
      for (const workload of plan.workloads) {
        const [n, size, spread] = workload.split(':');
        try {
          const r = await withServer(name, (port, pid) => sseLoad(port, pid, N, n, size, spread));
          results.sse.push({ adapter: name, round, ...r });
          save();
          log(`sse N=${N} ${name} ${workload} ${r.ok ? 'ok' : 'FAILED CHECK'} ${r.cpuUsPerEvent.toFixed(3)} µs/event ${r.deliverMs} ms`);
        } catch (error) {
          results.sse.push({
            adapter: name,
            round,
            N,
            n: Number(n),
            size: Number(size),
            spread: spread === '1',
            ok: false,
            error: String(error.message ?? error).slice(0, 300),
          });
          log(`sse N=${N} ${name} ${workload} FAILED: ${error.message.slice(0, 200)}`);
        }
      }
    }
  }
}

save();
const markdown = renderReport(results, `${stamp}.svg`);
fs.writeFileSync(path.join(benchDir, 'results', `${stamp}.md`), markdown);
fs.writeFileSync(path.join(benchDir, 'results', `${stamp}.svg`), renderPlot(results));
console.log(markdown);
