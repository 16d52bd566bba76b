// Hono peer adapter on @hono/node-server, SSE with `streamSSE` from hono/streaming.
// Idiomatic per the Hono docs: the streamSSE callback keeps the stream open while its promise
// is pending; `stream.onAbort()` fires when the client goes; `stream.writeSSE({ id, data })`
// per message.
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { serve } from '@hono/node-server';

const users = new Map([['42', { id: '42', name: 'Ada' }]]);
const port = Number(process.env.PORT ?? 3104);

const app = new Hono();

app.get('/hello', (c) => c.json({ message: 'Hello, world!' }));

app.get('/users/:id', (c) => {
  const id = c.req.param('id');
  return c.json(users.get(id) ?? { id, name: 'unknown' });
});

// id -> SSEStreamingApi of one open stream
const clients = new Map();

app.get('/sse', (c) => {
  const id = c.req.query('id') ?? String(Math.random());
  return streamSSE(c, async (stream) => {
    clients.set(id, stream);
    // Stay open until the client goes.
    await new Promise((resolve) => {
      stream.onAbort(() => {
        clients.delete(id);
        resolve();
      });
    });
  });
});

function sendEvents(n, size, spread) {
  const payload = 'x'.repeat(Math.max(0, size - 4));
  let i = 0;
  const one = () => {
    i++;
    const message = { id: String(i), data: i === n ? 'end' : payload };
    // writeSSE is async, but each call queues its chunk on the stream's writer in call order.
    for (const stream of clients.values()) stream.writeSSE(message);
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

app.post('/broadcast', (c) => {
  sendEvents(Number(c.req.query('n') ?? 1), Number(c.req.query('size') ?? 64), c.req.query('spread') === '1');
  return c.body(null, 202);
});

app.get('/stats', (c) => c.json({ connections: clients.size, rss: process.memoryUsage().rss }));

serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, () => console.log(`hono listening on ${port}`));
