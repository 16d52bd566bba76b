// better-sse peer adapter: plain node:http, one better-sse Session per client, all registered
// in a Channel that broadcasts (how better-sse users fan out). SSE-only: no HTTP routes, 404
// otherwise. Session defaults (retry 2000 sent on connect, 10 s keep-alive comments) except the
// serializer: strings pass through unquoted so the data lines match the raw reference.
import http from 'node:http';
import http2 from 'node:http2';
import { createSession, createChannel } from 'better-sse';

const port = Number(process.env.PORT ?? 3203);
const channel = createChannel();
const serializer = (data) => (typeof data === 'string' ? data : JSON.stringify(data));
// better-sse writes fields as `name:value` (no space after the colon): valid SSE, which the load client accepts.

function sendEvents(n, size, spread) {
  const payload = 'x'.repeat(Math.max(0, size - 4));
  let i = 0;
  const one = () => {
    i++;
    channel.broadcast(i === n ? 'end' : payload, 'message', { eventId: String(i) });
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

// HTTP2=h2c: node:http2's compatibility API, which better-sse's createSession(req, res) accepts (scripts/http2.mjs).
const createServer = process.env.HTTP2 === 'h2c' ? http2.createServer : http.createServer;
const server = createServer(async (req, res) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/sse') {
    const id = url.searchParams.get('id') ?? String(Math.random());
    // The channel deregisters the session itself when it disconnects.
    const session = await createSession(req, res, { serializer, state: { id } });
    if (session.isConnected) channel.register(session);
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
      .end(JSON.stringify({ connections: channel.sessionCount, rss: process.memoryUsage().rss }));
    return;
  }
  res.writeHead(404).end();
});
server.listen(port, '127.0.0.1', () => console.log(`better-sse listening on ${port}`));
