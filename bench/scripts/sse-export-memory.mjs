// What the server holds while `sendAll` streams a large export, and a slow token stream, to one
// client over loopback. Run from the repository root after `npm run build`:
//
//   node --expose-gc bench/scripts/sse-export-memory.mjs [--runs 3] [--rows 20000] [--row-bytes 1024]
//
// The server (this process) samples process.memoryUsage() and registry.stats().queuedBytes every
// 5 ms; the client is a child process (so its buffers are not counted), reading the whole stream as
// fast as it can and checking that every id arrived, in order. Prints one line per run and a summary.
import 'reflect-metadata';
import { fork } from 'node:child_process';
import http from 'node:http';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { createParser } from 'eventsource-parser';

const self = fileURLToPath(import.meta.url);
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
};

// ---------------------------------------------------------------- client (child process)
if (process.argv[2] === '--client') {
  const url = process.argv[3];
  const started = performance.now();
  let events = 0;
  let bytes = 0;
  let expected = 0;
  let outOfOrder = 0;
  const parser = createParser({
    onEvent(event) {
      events++;
      if (event.event === 'row') {
        if (Number(event.id) !== expected) outOfOrder++;
        expected++;
      }
    },
  });
  http.get(url, (res) => {
    res.setEncoding('utf8');
    res.on('data', (chunk) => {
      bytes += Buffer.byteLength(chunk);
      parser.feed(chunk);
    });
    // 'close' also comes when the server drops the connection (the send-loop contrast).
    res.on('close', () => {
      process.send({ events, bytes, outOfOrder, complete: res.complete, ms: performance.now() - started });
      process.disconnect();
    });
    res.on('error', () => {});
  });
} else {
  await server();
}

// ---------------------------------------------------------------- server (this process)
async function server() {
  const { HttpServer } = await import('@sluice/core');
  const { EventSourceRegistry, ssePlugin } = await import('@sluice/sse');
  const runs = arg('runs', 3);
  const rowCount = arg('rows', 20_000);
  const rowBytes = arg('row-bytes', 1024);
  const tokenCount = arg('tokens', 20);
  const tokensPerSecond = arg('tokens-per-second', 5);

  const host = HttpServer.createBuilder()
    .useListeningPort(0, '127.0.0.1')
    .useConfiguration((c) => {
      c.logger = false;
    })
    .usePlugin(ssePlugin())
    .build();
  const registry = host.container.get(EventSourceRegistry);

  // 1 KiB rows: the JSON of { n, payload } padded so each row's data is rowBytes long.
  function* rows() {
    for (let n = 0; n < rowCount; n++) {
      const head = JSON.stringify({ n, payload: '' });
      yield { n, payload: 'x'.repeat(Math.max(0, rowBytes - head.length)) };
    }
  }
  async function* tokens() {
    for (let i = 0; i < tokenCount; i++) {
      await new Promise((resolve) => setTimeout(resolve, 1000 / tokensPerSecond));
      yield `token ${i} `;
    }
  }

  let written = 0;
  host.router.get('/export', async (req) => {
    const sse = req.getEventSource();
    written = await sse.sendAll(rows(), { event: 'row', id: (row) => row.n });
    return sse.close();
  });
  // The contrast: the same rows through a plain loop of send(), which does not wait for the client.
  let loopSource;
  let queuedAfterLoop = 0;
  host.router.get('/send-loop', async (req) => {
    const sse = (loopSource = req.getEventSource());
    for (const row of rows()) if (sse.send(row, { event: 'row', id: row.n })) written++;
    queuedAfterLoop = registry.stats().queuedBytes; // all of it, before the flush at the end of the tick
    await new Promise((resolve) => setTimeout(resolve, 100));
    return sse.close();
  });
  host.router.get('/tokens', async (req) => {
    const sse = req.getEventSource();
    written = await sse.sendAll(tokens(), { event: 'token' });
    return sse.close();
  });
  await host.start();

  const measure = async (path) => {
    globalThis.gc?.();
    await new Promise((resolve) => setTimeout(resolve, 50));
    globalThis.gc?.();
    const base = process.memoryUsage();
    const peak = { rss: base.rss, heapUsed: base.heapUsed, queued: 0 };
    const sample = () => {
      const m = process.memoryUsage();
      if (m.rss > peak.rss) peak.rss = m.rss;
      if (m.heapUsed > peak.heapUsed) peak.heapUsed = m.heapUsed;
      const queued = registry.stats().queuedBytes;
      if (queued > peak.queued) peak.queued = queued;
    };
    const timer = setInterval(sample, 5);
    written = 0;
    loopSource = undefined;
    queuedAfterLoop = 0;
    const started = performance.now();
    const client = fork(self, ['--client', `${host.url}${path}`]);
    const result = await new Promise((resolve, reject) => {
      client.once('message', resolve);
      client.once('error', reject);
    });
    const ms = performance.now() - started;
    sample();
    clearInterval(timer);
    await new Promise((resolve) => client.once('exit', resolve));
    if (queuedAfterLoop > peak.queued) peak.queued = queuedAfterLoop;
    return {
      path,
      written,
      received: result.events,
      outOfOrder: result.outOfOrder,
      complete: result.complete,
      endReason: loopSource?.endReason,
      bodyMiB: result.bytes / 2 ** 20,
      ms,
      rssGrowthMiB: (peak.rss - base.rss) / 2 ** 20,
      heapGrowthMiB: (peak.heapUsed - base.heapUsed) / 2 ** 20,
      peakQueuedKiB: peak.queued / 1024,
    };
  };

  const fmt = (r) =>
    `${r.path.padEnd(8)} written ${String(r.written).padStart(6)}  received ${String(r.received).padStart(6)}  out of order ${r.outOfOrder}  ` +
    `${r.complete ? 'complete' : `cut (${r.endReason ?? 'by the server'})`}  body ${r.bodyMiB.toFixed(1)} MiB  ${r.ms.toFixed(0).padStart(5)} ms  ` +
    `peak RSS +${r.rssGrowthMiB.toFixed(1)} MiB  peak heapUsed +${r.heapGrowthMiB.toFixed(1)} MiB  peak queued ${r.peakQueuedKiB.toFixed(0)} KiB`;

  console.log(
    `node ${process.version}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown'}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; ` +
      `gc ${globalThis.gc === undefined ? 'not exposed (run with --expose-gc)' : 'exposed'}`,
  );
  console.log(`export: ${rowCount} rows of ${rowBytes} B through sendAll; tokens: ${tokenCount} at ${tokensPerSecond}/s`);
  const results = [];
  for (let i = 0; i < runs; i++) {
    const r = await measure('/export');
    results.push(r);
    console.log(fmt(r));
  }
  console.log(fmt(await measure('/tokens')));
  console.log(fmt(await measure('/send-loop')));
  const median = (key) => {
    const values = results.map((r) => r[key]).sort((a, b) => a - b);
    return values[Math.floor(values.length / 2)];
  };
  console.log(
    `export median of ${runs}: ${median('ms').toFixed(0)} ms, peak RSS +${median('rssGrowthMiB').toFixed(1)} MiB, ` +
      `peak heapUsed +${median('heapGrowthMiB').toFixed(1)} MiB, peak queued ${median('peakQueuedKiB').toFixed(0)} KiB`,
  );
  await host.stop();
}
