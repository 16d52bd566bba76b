// `npm run soak [-- --short] [-- --only a,c] [-- --json results.json]`
//
// Soak and abuse scenarios against a real Sluice server (the workspace's built packages) in its
// own process, with the clients in another, over loopback. Every figure is printed beside the
// baseline measured earlier on this machine kind; a check that fails is marked FAIL and makes
// the exit code 1. Bounded: every step has a timeout, and --short runs the same scenarios small.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startChild } from './lib/ipc.mjs';

const args = process.argv.slice(2);
const short = args.includes('--short');
const only = args.includes('--only') ? args[args.indexOf('--only') + 1].split(',') : undefined;
const jsonOut = args.includes('--json') ? args[args.indexOf('--json') + 1] : undefined;

const serverScript = fileURLToPath(new URL('./server.mjs', import.meta.url));
const clientScript = fileURLToPath(new URL('./client.mjs', import.meta.url));

const size = short
  ? {
      fanout: 500,
      events: 20,
      cycles: 2_000,
      readers: 10,
      paced: 2_000,
      loris: 50,
      headersTimeout: 1_000,
      requestTimeout: 2_000,
      stopStreams: 200,
      stopRunMs: 400,
      throwers: 50,
    }
  : {
      fanout: 10_000,
      events: 20,
      cycles: 100_000,
      readers: 50,
      paced: 3_000,
      loris: 1_000,
      headersTimeout: 2_000,
      requestTimeout: 4_000,
      stopStreams: 2_000,
      stopRunMs: 1_000,
      throwers: 200,
    };

const rows = [];
const KiB = 1024;
const MiB = 1024 * 1024;
const fmt = (n, digits = 1) => (Number.isInteger(n) ? n.toLocaleString('en-US') : n.toFixed(digits));

/** Adds a figure; `ok` undefined means it is reported only, not checked. */
function row(scenario, figure, value, { baseline = '', ok } = {}) {
  rows.push({ scenario, figure, value: String(value), baseline, ok });
}

async function withProcesses(serverOptions, body) {
  const server = startChild(serverScript, [JSON.stringify(serverOptions)]);
  const client = startChild(clientScript);
  try {
    await Promise.all([server.ready, client.ready]);
    const url = await server.call('url');
    const port = Number(new URL(url).port);
    return await body({ server, client, port });
  } finally {
    await Promise.all([server.end(), client.end()]);
  }
}

// (a) Many concurrent streams, a broadcast to all, memory per connection.
async function fanout() {
  const s = 'a. fan-out';
  const n = size.fanout;
  await withProcesses({}, async ({ server, client, port }) => {
    const before = await server.call('memory');
    const opened = await client.call('open', { port, group: 'fan', prefix: 'f-', count: n }, 120_000);
    await server.call('waitCount', { count: n, timeoutMs: 30_000 });
    const after = await server.call('memory');
    row(s, 'streams open (200 OK)', `${fmt(opened.statuses[200] ?? 0)} of ${fmt(n)} in ${fmt(opened.ms, 0)} ms`, {
      ok: opened.statuses[200] === n,
    });
    row(s, 'RSS per connection after GC', `${fmt((after.rss - before.rss) / n / KiB)} KiB`, { baseline: '11.8 KiB (10,000)' });
    row(s, 'heap per connection after GC', `${fmt((after.heapUsed - before.heapUsed) / n / KiB)} KiB`, { baseline: '6.9 KiB (10,000)' });

    // Half the events in one tick, the rest one per macrotask.
    const sent = await server.call('broadcast', { count: size.events, size: 32, perTick: size.events / 2 });
    const got = await client.call('progress', { group: 'fan', last: sent.last, timeoutMs: 60_000 }, 70_000);
    row(s, 'broadcast events delivered in order', `${fmt(got.received - got.outOfOrder)} of ${fmt(n * size.events)}`, {
      baseline: '100,000 of 100,000',
      ok: got.received === n * size.events && got.outOfOrder === 0,
    });
    row(s, 'events lost', fmt(got.lost), { ok: got.lost === 0 });

    await client.call('close', { group: 'fan' });
    const leftIn = await server.call('waitCount', { count: 0, timeoutMs: 10_000 }).catch(() => Infinity);
    const stats = await server.call('stats');
    row(s, 'registry back to zero after clients left', Number.isFinite(leftIn) ? `in ${fmt(leftIn, 0)} ms` : `no: ${stats.count} left`, {
      baseline: 'within 1.5 s',
      ok: Number.isFinite(leftIn) && stats.open === 0,
    });
  });
}

// (b) Connect/disconnect cycles: nothing may pile up.
async function churn() {
  const s = 'b. churn';
  const total = size.cycles;
  const quarter = total / 4;
  await withProcesses({}, async ({ server, client, port }) => {
    const start = { ...(await server.call('memory')), ...(await server.call('stats')) };
    const counts = { plain: 0, replaced: 0, replacedNotClosed: 0, halfClosed: 0, failed: 0 };
    const add = (c) => {
      for (const key of Object.keys(counts)) counts[key] += c[key];
    };
    const t0 = performance.now();
    add(await client.call('churn', { port, from: 0, cycles: quarter }, 600_000));
    await server.call('waitOpen', { open: 0, timeoutMs: 10_000 }).catch(() => undefined);
    const warm = await server.call('memory');
    add(await client.call('churn', { port, from: quarter, cycles: total - quarter }, 1_200_000));
    const ms = performance.now() - t0;
    const settled = await server.call('waitOpen', { open: 0, timeoutMs: 10_000 }).catch(() => undefined);
    await server.call('waitCount', { count: 0, timeoutMs: 1_000 }).catch(() => undefined);
    const end = { ...(await server.call('memory')), ...(await server.call('stats')) };

    row(s, 'cycles', `${fmt(total)} in ${fmt(ms / 1000)} s (${fmt((total / ms) * 1000, 0)}/s), ${fmt(counts.failed)} failed`, {
      baseline: '20,000',
      ok: counts.failed === 0,
    });
    row(s, 'replaced streams closed by the server', `${fmt(counts.replaced)} of ${fmt(counts.replaced + counts.replacedNotClosed)}`, {
      ok: counts.replacedNotClosed === 0,
    });
    row(s, 'half-closed then closed', fmt(counts.halfClosed));
    row(s, 'registry count start → end', `${start.count} → ${end.count}`, { baseline: 'back to start', ok: end.count === start.count });
    row(s, 'open streams start → end', `${start.open} → ${end.open}${settled === undefined ? ' (not settled in 10 s)' : ''}`, {
      baseline: 'back to start',
      ok: end.open === start.open,
    });
    const resources = (m) =>
      Object.entries(m.resources)
        .map(([k, v]) => `${k}:${v}`)
        .join(' ');
    row(s, 'active resources start → end', `${start.activeResources} → ${end.activeResources} (${resources(end)})`, {
      baseline: 'back to start',
      ok: end.activeResources === start.activeResources,
    });
    const rssGrowth = (end.rss - warm.rss) / MiB;
    const heapGrowth = (end.heapUsed - warm.heapUsed) / MiB;
    row(
      s,
      `RSS after GC over the last ${fmt(total - quarter)}`,
      `${rssGrowth >= 0 ? '+' : ''}${fmt(rssGrowth)} MiB (start ${fmt(start.rss / MiB)} MiB)`,
      {
        baseline: '+3 MiB over the last 15,000',
        // A short run's RSS is mostly the allocator warming up: checked at full size only (the heap is checked at both).
        ok: short ? undefined : rssGrowth < 16,
      },
    );
    row(s, 'RSS after GC, start → end', `${fmt(start.rss / MiB)} → ${fmt(end.rss / MiB)} MiB`);
    row(s, `heap after GC over the last ${fmt(total - quarter)}`, `${heapGrowth >= 0 ? '+' : ''}${fmt(heapGrowth)} MiB`, {
      ok: heapGrowth < 4,
    });
  });
}

// (c) One client that never reads among readers: a burst past maxBufferedBytes, then a paced stream.
// The kernel's socket buffers absorb a few MiB for a client that stops reading before the server's
// own bound applies, so a 4 MiB burst alone may not reach the non-reader's limit: in the burst phase
// a paced tail follows on the same streams until it is dropped. The paced phase is a fresh server.
async function slowClient() {
  const s = 'c. slow client';
  const readers = size.readers;
  const paced = { size: 4096, perTick: 20, everyMs: 5 };
  const phases = [
    { name: 'burst 1,000 × 4 KiB in one tick', burst: 1_000, tail: size.paced },
    { name: 'paced 4 KiB events, 20 per 5 ms', burst: 0, tail: size.paced },
  ];
  for (const phase of phases) {
    await withProcesses({}, async ({ server, client, port }) => {
      await client.call('open', { port, group: 'readers', prefix: 'r-', count: readers });
      await client.call('open', { port, group: 'stalled', prefix: 'stalled-', count: 1, pauseAfterHead: true });
      await server.call('waitCount', { count: readers + 1 });
      const afterBurst = {};
      if (phase.burst > 0) {
        const sent = await server.call('broadcast', { count: phase.burst, size: 4096, perTick: phase.burst }, 60_000);
        afterBurst.got = await client.call('progress', { group: 'readers', last: sent.last, timeoutMs: 30_000 }, 40_000);
        afterBurst.stalledLeft = await server.call('has', { id: 'stalled-0' });
      }
      // Paced until the non-reader is dropped (however much the kernel buffers), at most 16× the tail.
      const sent = await server.call(
        'broadcast',
        { count: phase.tail, ...paced, untilGone: 'stalled-0', maxCount: phase.tail * 16 },
        120_000,
      );
      const got = await client.call('progress', { group: 'readers', last: sent.last, timeoutMs: 30_000 }, 40_000);
      // The non-reader is dropped once more than maxBufferedBytes wait for it beyond what the kernel holds.
      await server.call('waitCount', { count: readers, timeoutMs: 3_000 }).catch(() => undefined);
      const stats = await server.call('stats');
      const stalledLeft = await server.call('has', { id: 'stalled-0' });
      const readersLeft = stats.count - (stalledLeft ? 1 : 0);
      if (afterBurst.got !== undefined) {
        row(
          s,
          `${phase.name}: readers with every event of the burst`,
          `${fmt(afterBurst.got.complete)} of ${fmt(readers)} (${fmt(afterBurst.got.lost)} events lost; non-reader ${afterBurst.stalledLeft ? 'still open' : 'dropped'})`,
          { baseline: 'all', ok: afterBurst.got.complete === readers && afterBurst.got.lost === 0 && afterBurst.got.outOfOrder === 0 },
        );
      }
      const label = phase.burst > 0 ? `${phase.name}, then paced` : phase.name;
      row(
        s,
        `${label}: readers with every event`,
        `${fmt(got.complete)} of ${fmt(readers)} (${fmt(got.lost)} of ${fmt(readers * sent.last)} events lost)`,
        {
          baseline: 'all',
          ok: got.complete === readers && got.lost === 0 && got.outOfOrder === 0,
        },
      );
      const written = stats.stalledWritten['stalled-0'];
      row(
        s,
        `${label}: streams dropped as slow`,
        `${stats.slowClientsDropped}: the non-reader ${stalledLeft ? 'kept' : `dropped (${written === undefined ? '?' : fmt(written / MiB, 2)} MiB written to it)`}, ${fmt(readers - readersLeft)} readers dropped`,
        { baseline: '1: the non-reader', ok: stats.slowClientsDropped === 1 && !stalledLeft && readersLeft === readers },
      );
    });
  }
}

// (d) Slowloris heads and bodies are cut at their timeouts; the server stays responsive.
async function slowloris() {
  const s = 'd. slowloris';
  const { headersTimeout, requestTimeout } = size;
  await withProcesses({ headersTimeout, requestTimeout }, async ({ client, port }) => {
    for (const [kind, timeout] of [
      ['head', headersTimeout],
      ['body', requestTimeout],
    ]) {
      const r = await client.call(
        'slowloris',
        { port, count: size.loris, kind, intervalMs: 250, timeoutMs: timeout * 3, probeAfterMs: timeout / 2 },
        timeout * 3 + 10_000,
      );
      const statuses = Object.entries(r.statuses)
        .map(([k, v]) => `${fmt(v)}×${k}`)
        .join(', ');
      row(
        s,
        `${fmt(size.loris)} trickled ${kind === 'head' ? 'heads' : 'bodies'} (timeout ${fmt(timeout)} ms)`,
        `${fmt(r.cut)} cut at ${fmt(r.cutMinMs ?? 0, 0)}–${fmt(r.cutMaxMs ?? 0, 0)} ms, answered ${statuses}`,
        {
          baseline: kind === 'head' ? '1,000 cut at 408' : '',
          ok:
            r.cut === r.count &&
            r.cutMaxMs <= timeout + Math.max(1_000, timeout / 2) &&
            Object.keys(r.statuses).every((status) => (kind === 'head' ? status === '408' : status === '408' || status === '503')),
        },
      );
      row(s, `a normal request during the ${kind === 'head' ? 'heads' : 'bodies'}`, `${r.probe.status} in ${fmt(r.probe.ms, 0)} ms`, {
        ok: r.probe.status === 200 && r.probe.ms < 2_000,
      });
    }
  });
}

// (e) host.stop() while broadcasting every 5 ms: every stream is told, nothing before it is missing.
async function stopUnderLoad() {
  const s = 'e. stop under load';
  const n = size.stopStreams;
  await withProcesses({}, async ({ server, client, port }) => {
    await client.call('open', { port, group: 'stop', prefix: 's-', count: n }, 60_000);
    await server.call('waitCount', { count: n });
    const stopped = await server.call('stopDuringBroadcast', { everyMs: 5, runMs: size.stopRunMs }, 60_000);
    const got = await client.call('waitEnded', { group: 'stop', last: stopped.lastId, timeoutMs: 15_000 }, 20_000);
    row(
      s,
      'broadcasts before the stop',
      `${fmt(stopped.lastId)} in ${fmt(stopped.ranMs, 0)} ms (one every ${fmt(stopped.ranMs / stopped.lastId)} ms)`,
    );
    row(s, `host.stop() with ${fmt(n)} streams, a broadcast every 5 ms`, `${fmt(stopped.stopMs, 0)} ms`, {
      baseline: '311 ms (2,000)',
      ok: stopped.stopMs < 5_000,
    });
    row(s, 'streams that got the final shutdown event', `${fmt(got.shutdown)} of ${fmt(n)}`, { baseline: 'all', ok: got.shutdown === n });
    row(
      s,
      `events missing before it (ids 1..${fmt(stopped.lastId)})`,
      `${fmt(got.lost)} (${fmt(got.outOfOrder)} out of order, ${fmt(got.afterShutdown)} after it)`,
      {
        baseline: '0',
        ok: got.lost === 0 && got.outOfOrder === 0 && got.afterShutdown === 0,
      },
    );
    row(s, 'streams ended by the server', `${fmt(got.ended)} of ${fmt(n)}`, { ok: got.ended === n });
  });
}

// (f) Throwing user callbacks must not take the process down.
async function throwingListeners() {
  const s = 'f. throwing listeners';
  const cases = [
    { name: "registry 'registered' listener throws", server: { throwIn: 'registered' }, path: '/sse' },
    { name: "registry 'unregistered' listener throws", server: { throwIn: 'unregistered' }, path: '/sse' },
    { name: 'withPing configure callback throws', server: {}, path: '/ping-throws' },
  ];
  for (const c of cases) {
    await withProcesses(c.server, async ({ server, client, port }) => {
      const opened = await client.call('open', { port, group: 'g', path: c.path, prefix: 't-', count: 3 });
      await new Promise((r) => setTimeout(r, 100));
      await client.call('close', { group: 'g' });
      await new Promise((r) => setTimeout(r, 300));
      const health = server.alive ? await client.call('get', { port, path: '/health' }) : { status: 0 };
      const exit = server.exitInfo;
      row(
        s,
        c.name,
        server.alive && health.status === 200
          ? `survived (streams answered ${Object.keys(opened.statuses).join(', ')})`
          : `server died (exit code ${exit?.code ?? '?'}, signal ${exit?.signal ?? '-'})`,
        {
          baseline: 'survives',
          ok: server.alive && health.status === 200,
        },
      );
    });
  }
}

// (g) A handler that sends and then throws: the event it sent must still arrive.
async function sendThenThrow() {
  const s = 'g. send, then throw';
  const n = size.throwers;
  await withProcesses({}, async ({ server, client, port }) => {
    const r = await client.call('collect', { port, path: '/send-then-throw', count: n, timeoutMs: 5_000 }, 20_000);
    row(
      s,
      'clients that got the event sent before the throw',
      `${fmt(r.got['before-throw'] ?? 0)} of ${fmt(n)} (answers ${Object.entries(r.statuses)
        .map(([k, v]) => `${fmt(v)}×${k}`)
        .join(', ')})`,
      {
        baseline: 'all',
        ok: r.got['before-throw'] === n,
      },
    );
    row(s, 'server survived', server.alive ? 'yes' : 'no', { ok: server.alive });
  });
}

const scenarios = { a: fanout, b: churn, c: slowClient, d: slowloris, e: stopUnderLoad, f: throwingListeners, g: sendThenThrow };

const t0 = performance.now();
for (const [key, run] of Object.entries(scenarios)) {
  if (only !== undefined && !only.includes(key)) continue;
  const before = rows.length;
  try {
    await run();
  } catch (error) {
    row(`${key}. ${run.name}`, 'scenario error', (error instanceof Error ? error.message : String(error)).split('\n')[0], { ok: false });
  }
  if (!jsonOut) printRows(rows.slice(before), before === 0);
}
if (jsonOut) {
  writeFileSync(jsonOut, JSON.stringify({ short, rows }, null, 2));
  printRows(rows, true);
}
const failed = rows.filter((r) => r.ok === false).length;
console.log(
  `\n${short ? 'short' : 'full'} soak: ${rows.length} figures, ${failed} checks failed, ${fmt((performance.now() - t0) / 1000)} s`,
);
process.exitCode = failed > 0 ? 1 : 0;

function printRows(list, header) {
  const widths = [22, 58, 60, 24];
  const line = (cells) => cells.map((c, i) => (i < widths.length ? String(c).padEnd(widths[i]) : c)).join(' | ');
  if (header) {
    console.log(line(['scenario', 'figure', 'measured', 'baseline', 'check']));
    console.log(line(widths.map((w) => '-'.repeat(w)).concat('-----')));
  }
  for (const r of list) console.log(line([r.scenario, r.figure, r.value, r.baseline, r.ok === undefined ? '' : r.ok ? 'ok' : 'FAIL']));
}
