import 'reflect-metadata';
import { describe, it, expect, beforeAll, afterAll, afterEach } from '@jest/globals';
import { HttpServer } from '@sluice/core';
import { startHost, type StartedHost } from '../../../test/support/host.js';
import { RawConnection, rawRequest, destroyRawSockets } from '../../../test/support/raw.js';

// Timing bounds in this file are generous upper bounds on behaviour that is about
// time (a timeout must cut the connection eventually); they never measure speed.
const generous = 5000;

describe('connection limits', () => {
  let started: StartedHost;
  let idle: StartedHost;

  beforeAll(async () => {
    started = await startHost(
      HttpServer.createBuilder().useConfiguration((c) => {
        c.headersTimeout = 300;
        c.requestTimeout = 2000;
        c.maxHeaderSize = 4096;
      }),
    );
    started.host.router.get('/', () => 'ok');
    started.host.router.get('/count', (req) => ({ path: req.path, port: req.raw.socket.remotePort }));

    idle = await startHost(
      HttpServer.createBuilder().useConfiguration((c) => {
        c.keepAliveTimeout = 300;
      }),
    );
    idle.host.router.get('/', () => 'ok');
  });

  afterEach(() => destroyRawSockets());
  afterAll(async () => {
    destroyRawSockets();
    await Promise.all([started?.stop(), idle?.stop()]);
  });

  async function stillServes(host: StartedHost): Promise<void> {
    const res = await fetch(`${host.url}/`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('ok');
  }

  it('a slowloris client that sends a partial request head is cut off after headersTimeout', async () => {
    const connection = await RawConnection.open(started.host);
    connection.send('GET / HTTP/1.1\r\nHost: localhost\r\nX-Slow: 1\r\n');
    // Nothing more is ever sent.
    const closed = await connection.waitForClose(generous);
    expect(closed).toBe(true);
    if (connection.received !== '') expect(connection.received).toMatch(/^HTTP\/1\.1 408 /);
    await stillServes(started);
  });

  it('a client that connects and sends nothing is cut off after headersTimeout', async () => {
    const connection = await RawConnection.open(started.host);
    const closed = await connection.waitForClose(generous);
    expect(closed).toBe(true);
  });

  it('a request head over maxHeaderSize gets 431', async () => {
    const reply = await rawRequest(started.host, `GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'a'.repeat(8192)}\r\n\r\n`, {
      timeoutMs: generous,
    });
    expect(reply).toMatch(/^HTTP\/1\.1 431 /);
    await stillServes(started);
  });

  it('garbage bytes get 400 and the server keeps working', async () => {
    const reply = await rawRequest(started.host, '\x00\x01\x02 this is not http \xff\xfe\r\n\r\n', { timeoutMs: generous });
    expect(reply).toMatch(/^HTTP\/1\.1 400 /);
    const badVersion = await rawRequest(started.host, 'GET / HTTP/9.9\r\nHost: x\r\n\r\n', { timeoutMs: generous });
    expect(badVersion).toMatch(/^HTTP\/1\.1 (400|505) /);
    await stillServes(started);
  });

  it('keep-alive: two requests are served one after the other on one connection', async () => {
    const connection = await RawConnection.open(started.host);
    connection.send('GET /count?n=1 HTTP/1.1\r\nHost: localhost\r\n\r\n');
    const first = await connection.readResponse(generous);
    expect(first.status).toBe(200);
    expect(first.headers['connection']).not.toBe('close');
    expect(connection.closed).toBe(false);
    connection.send('GET /count?n=2 HTTP/1.1\r\nHost: localhost\r\n\r\n');
    const second = await connection.readResponse(generous);
    expect(second.status).toBe(200);
    expect(JSON.parse(second.body)).toEqual(JSON.parse(first.body));
  });

  it('keep-alive: pipelined requests are answered in order', async () => {
    const connection = await RawConnection.open(started.host);
    connection.send('GET /count HTTP/1.1\r\nHost: localhost\r\n\r\nGET / HTTP/1.1\r\nHost: localhost\r\n\r\n');
    const first = await connection.readResponse(generous);
    const second = await connection.readResponse(generous);
    expect(JSON.parse(first.body)).toMatchObject({ path: '/count' });
    expect(second.body).toBe('ok');
  });

  it('an idle keep-alive connection is closed after keepAliveTimeout', async () => {
    const connection = await RawConnection.open(idle.host);
    connection.send('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n');
    const res = await connection.readResponse(generous);
    expect(res.status).toBe(200);
    expect(res.body).toBe('ok');
    const closed = await connection.waitForClose(generous);
    expect(closed).toBe(true);
  });

  it('Connection: close from the client closes the connection after the response', async () => {
    const connection = await RawConnection.open(started.host);
    connection.send('GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    const res = await connection.readResponse(generous);
    expect(res.status).toBe(200);
    expect(await connection.waitForClose(generous)).toBe(true);
  });
});
