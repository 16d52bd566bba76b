// Fastify 5 peer adapter: routes for the HTTP contract, @fastify/sse for the SSE route.
// Idiomatic per the @fastify/sse README: `{ sse: 'only' }` route, `reply.sse.keepAlive()` so the
// stream outlives the handler, `reply.sse.onClose()` to leave the registry, `reply.sse.send()`
// per message. Plugin defaults (30 s heartbeat) except the serializer: strings pass through
// unquoted so the bytes on the wire match the raw reference (`data: xxxx`, `data: end`).
import Fastify from 'fastify';
import fastifySSE from '@fastify/sse';

const users = new Map([['42', { id: '42', name: 'Ada' }]]);
const port = Number(process.env.PORT ?? 3103);

// HTTP2=h2c: Fastify's own HTTP/2 (node:http2 createServer, prior knowledge; scripts/http2.mjs).
const app = Fastify({ logger: false, http2: process.env.HTTP2 === 'h2c' });
await app.register(fastifySSE, {
  serializer: (data) => (typeof data === 'string' ? data : JSON.stringify(data)),
});

app.get('/hello', async () => ({ message: 'Hello, world!' }));

app.get('/users/:id', async (request) => {
  const { id } = request.params;
  return users.get(id) ?? { id, name: 'unknown' };
});

// id -> reply.sse (the SSEContext of one open stream)
const clients = new Map();

app.get('/sse', { sse: 'only' }, async (request, reply) => {
  const id = request.query.id ?? String(Math.random());
  reply.sse.keepAlive();
  // Headers are otherwise written lazily on the first send (or the first 30 s heartbeat);
  // commit them now so the client sees the stream open before any broadcast. sendHeaders()
  // only calls writeHead, which node:http buffers until the first write, hence the flush.
  reply.sse.sendHeaders();
  reply.raw.flushHeaders();
  clients.set(id, reply.sse);
  reply.sse.onClose(() => clients.delete(id));
});

const ignore = () => {};

function sendEvents(n, size, spread) {
  const payload = 'x'.repeat(Math.max(0, size - 4));
  let i = 0;
  const one = () => {
    i++;
    const message = { id: String(i), data: i === n ? 'end' : payload };
    // send() writes synchronously (it only awaits 'drain' under backpressure), so the order
    // is kept without awaiting; the catch keeps a racing disconnect from becoming an
    // unhandled rejection.
    for (const sse of clients.values()) sse.send(message).catch(ignore);
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

app.post('/broadcast', async (request, reply) => {
  const q = request.query;
  sendEvents(Number(q.n ?? 1), Number(q.size ?? 64), q.spread === '1');
  return reply.code(202).send();
});

app.get('/stats', async () => ({ connections: clients.size, rss: process.memoryUsage().rss }));

await app.listen({ port, host: '127.0.0.1' });
console.log(`fastify listening on ${port}`);
