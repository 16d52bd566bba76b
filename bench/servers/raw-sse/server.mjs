// The SSE reference: raw node:http, each event formatted once into a Buffer and
// written with res.write(buffer) per event per client.
// With JOIN_TICK=1 (the `raw-sse-joined` adapter), the floor we knew of: each tick's
// events are joined into one Buffer and written once per client.
import http from 'node:http';

const clients = new Map();
const port = Number(process.env.PORT ?? 3201);
const joinTick = process.env.JOIN_TICK === '1';
let pending = [];
let armed = false;

function flush() {
  armed = false;
  const joined = Buffer.concat(pending);
  pending = [];
  for (const res of clients.values()) res.write(joined);
}

function write(frame) {
  if (!joinTick) {
    for (const res of clients.values()) res.write(frame);
    return;
  }
  pending.push(frame);
  if (!armed) {
    armed = true;
    setImmediate(flush);
  }
}

function sendEvents(n, size, spread) {
  const payload = 'x'.repeat(Math.max(0, size - 4));
  let i = 0;
  const one = () => {
    i++;
    write(Buffer.from(`id: ${i}\ndata: ${i === n ? 'end' : payload}\n\n`));
  };
  if (!spread) {
    while (i < n) one();
    return;
  }
  const next = () => {
    one();
    if (i < n) setImmediate(next);
  };
  next();
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/sse') {
    const id = url.searchParams.get('id') ?? String(Math.random());
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
    });
    res.flushHeaders();
    clients.set(id, res);
    res.on('close', () => clients.delete(id));
    return;
  }
  if (url.pathname === '/broadcast' && req.method === 'POST') {
    sendEvents(Number(url.searchParams.get('n') ?? 1), Number(url.searchParams.get('size') ?? 64), url.searchParams.get('spread') === '1');
    res.writeHead(202).end();
    return;
  }
  if (url.pathname === '/stats') {
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ connections: clients.size, rss: process.memoryUsage().rss }));
    return;
  }
  res.writeHead(404).end();
});
server.listen(port, '127.0.0.1', () => console.log(`raw-sse${joinTick ? '-joined' : ''} listening on ${port}`));
