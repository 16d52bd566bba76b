// The raw node:http reference for scripts/redis-fanout.mjs: the same endpoints as
// servers/sluice-redis (GET /sse, GET /count, POST /broadcast?n=&size=&gap=) and the same
// stamped payloads, with each event formatted once into a Buffer and written with
// res.write(buffer) to every client (what servers/raw-sse does for the main bench).
import http from 'node:http';

const clients = new Set();
let nextId = 0;

function broadcast(n, size, gapMs) {
  let i = 0;
  const next = () => {
    i++;
    const stamp = (performance.timeOrigin + performance.now()).toFixed(3);
    const frame = Buffer.from(`id: ${++nextId}\ndata: ${`${i} ${stamp} `.padEnd(size, 'x')}\n\n`);
    for (const res of clients) res.write(frame);
    if (i < n) {
      if (gapMs > 0) setTimeout(next, gapMs);
      else setImmediate(next);
    }
  };
  next();
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/sse') {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform' });
    res.flushHeaders();
    clients.add(res);
    res.on('close', () => clients.delete(res));
    return;
  }
  if (url.pathname === '/count') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ count: clients.size }));
    return;
  }
  if (url.pathname === '/broadcast' && req.method === 'POST') {
    const n = Number(url.searchParams.get('n') ?? 100);
    broadcast(n, Number(url.searchParams.get('size') ?? 64), Number(url.searchParams.get('gap') ?? 0));
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ accepted: n }));
    return;
  }
  res.writeHead(404).end();
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`READY ${server.address().port}\n`));
process.once('SIGTERM', () => server.close());
