// The reference: a raw node:http server doing the same work as the framework adapters.
import http from 'node:http';

const users = new Map([['42', { id: '42', name: 'Ada' }]]);
const port = Number(process.env.PORT ?? 3001);

const server = http.createServer((req, res) => {
  const url = req.url;
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  if (path === '/hello') {
    const body = JSON.stringify({ message: 'Hello, world!' });
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
    return;
  }
  if (path.startsWith('/users/')) {
    const id = decodeURIComponent(path.slice(7));
    const user = users.get(id) ?? { id, name: 'unknown' };
    const body = JSON.stringify(user);
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
    return;
  }
  res.writeHead(404);
  res.end();
});
server.listen(port, '127.0.0.1', () => console.log(`raw listening on ${port}`));
