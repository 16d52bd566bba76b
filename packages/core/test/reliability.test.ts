import 'reflect-metadata';
import { execFile } from 'node:child_process';
import { Writable } from 'node:stream';
import { describe, it, expect, afterEach } from '@jest/globals';
import { injectable } from 'inversify';
import { pino } from 'pino';
import { ErrorCodes, HttpError, HttpServer, HttpErrorCodes, RouteGet, type HttpHost, type HttpServerBuilder } from '@sluice/core';
import { thrownBy, asRecord } from '../../../test/support/host.js';
import { RawConnection, destroyRawSockets } from '../../../test/support/raw.js';

/** Pino lines written by a host, parsed. */
class LogLines extends Writable {
  readonly lines: Array<Record<string, unknown>> = [];
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    for (const line of chunk.toString('utf8').split('\n'))
      if (line.trim() !== '') this.lines.push(JSON.parse(line) as Record<string, unknown>);
    callback();
  }
  find(predicate: (line: Record<string, unknown>) => boolean): Array<Record<string, unknown>> {
    return this.lines.filter(predicate);
  }
}

const hosts: HttpHost[] = [];

/** Builds and starts a host on port 0; with `log`, pino writes JSON lines there (debug level). */
async function start(builder: HttpServerBuilder, log?: LogLines, configure?: (host: HttpHost) => void): Promise<HttpHost> {
  const host = builder
    .useListeningPort(0)
    .useConfiguration((c) => {
      c.logger = log === undefined ? false : pino({ level: 'debug' }, log);
    })
    .build();
  hosts.push(host);
  configure?.(host);
  await host.start();
  return host;
}

afterEach(async () => {
  destroyRawSockets();
  await Promise.all(hosts.splice(0).map((host) => host.stop()));
});

const levels = { debug: 20, info: 30, warn: 40, error: 50 };

function python(script: string, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('python3', ['-c', script, ...args], { timeout: 30_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`python3 failed: ${error.message}\n${stderr}`));
      else resolve(stdout.trim());
    });
  });
}

describe('a request that times out gets one answer, and its connection closes', () => {
  it('a body trickling past requestTimeout gets one 408 SLUICE_BODY_TIMEOUT with Connection: close, and nothing after it', async () => {
    const host = await start(
      HttpServer.createBuilder().useConfiguration((c) => {
        c.requestTimeout = 2000;
        c.headersTimeout = 1000;
      }),
      undefined,
      (h) => h.router.post('/upload', async (req) => ({ length: (await req.text()).length })),
    );
    const connection = await RawConnection.open(host);
    connection.send(`POST /upload HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\nContent-Length: 100\r\n\r\n`);
    const trickle = setInterval(() => connection.send('a'), 500);
    try {
      const response = await connection.readResponse(6000);
      expect(response.status).toBe(408);
      expect(response.headers['connection']).toBe('close');
      expect(asRecord(JSON.parse(response.body)).code).toBe(HttpErrorCodes.BodyTimeout);
      // node's own request timeout fires after ours: it must not answer a second time.
      expect(await connection.waitForClose(5000)).toBe(true);
      expect(connection.received).toBe('');
    } finally {
      clearInterval(trickle);
    }
  });

  it('a handler that does not answer within requestTimeout gets 503 SLUICE_REQUEST_TIMEOUT with Connection: close', async () => {
    const host = await start(
      HttpServer.createBuilder().useConfiguration((c) => {
        c.requestTimeout = 300;
        c.headersTimeout = 200;
      }),
      undefined,
      (h) => h.router.get('/never', () => new Promise(() => {})),
    );
    const connection = await RawConnection.open(host);
    connection.send('GET /never HTTP/1.1\r\nHost: x\r\n\r\n');
    const response = await connection.readResponse(5000);
    expect(response.status).toBe(503);
    expect(response.headers['connection']).toBe('close');
    expect(asRecord(JSON.parse(response.body)).code).toBe(HttpErrorCodes.RequestTimeout);
    expect(await connection.waitForClose(5000)).toBe(true);
    expect(connection.received).toBe('');
  });
});

describe('an upload over maxBodySize', () => {
  // Default maxBodySize: 1 MiB.
  const upload = (): Promise<HttpHost> =>
    start(HttpServer.createBuilder(), undefined, (h) => h.router.post('/upload', async (req) => ({ length: (await req.bytes()).length })));

  it("gets a 413 that Python's http.client reads while it is still sending 10 MiB", async () => {
    const host = await upload();
    const script = [
      'import http.client, sys',
      'results = []',
      'for _ in range(5):',
      '    conn = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=10)',
      '    try:',
      '        conn.request("POST", "/upload", body=b"x" * (10 * 1024 * 1024), headers={"Content-Type": "application/octet-stream"})',
      '        res = conn.getresponse()',
      '        results.append(f"{res.status} {res.getheader(\'connection\')} {res.read().decode()[:60]}")',
      '    except Exception as error:',
      '        results.append(type(error).__name__)',
      '    finally:',
      '        conn.close()',
      'print("\\n".join(results))',
    ].join('\n');
    const lines = (await python(script, String(host.port))).split('\n');
    expect(lines).toHaveLength(5);
    for (const line of lines) expect(line).toMatch(/^413 close \{"statusCode":413/);
  });

  it('a chunked upload that passes the limit mid-stream gets the 413 too', async () => {
    const host = await upload();
    const script = [
      'import http.client, sys',
      'def body():',
      '    for _ in range(160):',
      '        yield b"x" * 65536',
      'conn = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=10)',
      'conn.request("POST", "/upload", body=body(), encode_chunked=True)',
      'res = conn.getresponse()',
      'print(res.status, res.getheader("connection"))',
    ].join('\n');
    expect(await python(script, String(host.port))).toBe('413 close');
  });

  it('Expect: 100-continue with a declared Content-Length over the limit gets 413 and no 100 Continue', async () => {
    const host = await upload();
    const connection = await RawConnection.open(host);
    connection.send(`POST /upload HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: ${10 * 1024 * 1024}\r\n\r\n`);
    const response = await connection.readResponse(5000);
    expect(response.status).toBe(413);
    expect(response.headers['connection']).toBe('close');
    expect(asRecord(JSON.parse(response.body)).code).toBe(HttpErrorCodes.BodyTooLarge);
  });

  it('Expect: 100-continue within the limit still gets 100 Continue, then the answer', async () => {
    const host = await upload();
    const connection = await RawConnection.open(host);
    connection.send('POST /upload HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n');
    expect(await connection.waitFor((text) => text.startsWith('HTTP/1.1 100 Continue\r\n\r\n'), 5000)).toBe(true);
    connection.send('hello');
    expect(await connection.waitFor((text) => text.includes('{"length":5}'), 5000)).toBe(true);
  });

  it('curl with Expect: 100-continue over the limit sees 413 and sends no body', async () => {
    const host = await upload();
    const out = await new Promise<string>((resolve, reject) => {
      const child = execFile(
        'curl',
        [
          '-sS',
          '-o',
          '/dev/null',
          '-w',
          '%{http_code} %{size_upload}',
          '-H',
          'Expect: 100-continue',
          '--data-binary',
          '@-',
          `${host.url}/upload`,
        ],
        { timeout: 20_000 },
        (error, stdout) => (error ? reject(error) : resolve(stdout)),
      );
      child.stdin!.end(Buffer.alloc(4 * 1024 * 1024, 120));
    });
    const [status, uploaded] = out.split(' ');
    expect(status).toBe('413');
    expect(Number(uploaded)).toBeLessThan(1024 * 1024);
  });
});

describe('requests node:http would drop', () => {
  it('CONNECT gets 405 with Connection: close instead of a silent close', async () => {
    const host = await start(HttpServer.createBuilder(), undefined, (h) => h.router.get('/', () => 'ok'));
    const connection = await RawConnection.open(host);
    connection.send('CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n');
    const response = await connection.readResponse(5000);
    expect(response.status).toBe(405);
    expect(response.headers['connection']).toBe('close');
    expect(asRecord(JSON.parse(response.body)).statusCode).toBe(405);
    expect((await fetch(`${host.url}/`)).status).toBe(200);
  });
});

describe('route parameters', () => {
  it('a %00 in a :param gets 400 SLUICE_BAD_PATH and never reaches the handler', async () => {
    let called = false;
    const host = await start(HttpServer.createBuilder(), undefined, (h) => {
      h.router.get('/files/:name', (req) => {
        called = true;
        return { name: req.params.name };
      });
      h.router.get('/any/*', (req) => {
        called = true;
        return { rest: req.params['*'] };
      });
    });
    for (const target of ['/files/a%00b', '/files/%00', '/any/x/%00.txt']) {
      const res = await fetch(`${host.url}${target}`);
      expect([target, res.status]).toEqual([target, 400]);
      expect(asRecord(await res.json()).code).toBe(HttpErrorCodes.BadPath);
    }
    expect(called).toBe(false);
    expect(await (await fetch(`${host.url}/files/a%20b`)).json()).toEqual({ name: 'a b' });
  });
});

describe('logging of error answers', () => {
  it('an expected 5xx refusal with a code logs one warn line with its code and no stack', async () => {
    const log = new LogLines();
    const host = await start(HttpServer.createBuilder(), log, (h) =>
      h.router.get('/full', () => {
        throw new HttpError(503, 'Too many connections', { code: 'SLUICE_SSE_TOO_MANY_CONNECTIONS', headers: { 'retry-after': '5' } });
      }),
    );
    expect((await fetch(`${host.url}/full`)).status).toBe(503);
    const lines = log.find((line) => line.code === 'SLUICE_SSE_TOO_MANY_CONNECTIONS');
    expect(lines).toHaveLength(1);
    expect(lines[0]!.level).toBe(levels.warn);
    expect(lines[0]!.err).toBeUndefined();
    expect(JSON.stringify(lines[0])).not.toMatch(/\n\s+at /);
    expect(log.find((line) => (line.level as number) >= levels.error)).toEqual([]);
  });

  it('an exception still logs at error with its stack', async () => {
    const log = new LogLines();
    const host = await start(HttpServer.createBuilder(), log, (h) =>
      h.router.get('/boom', () => {
        throw new Error('kaboom');
      }),
    );
    expect((await fetch(`${host.url}/boom`)).status).toBe(500);
    const [line] = log.find((l) => l.level === levels.error);
    expect(asRecord(line!.err).stack).toMatch(/kaboom\n\s+at /);
  });

  it('access-log lines of error answers carry the error code; success lines carry none', async () => {
    const log = new LogLines();
    const host = await start(
      HttpServer.createBuilder().useConfiguration((c) => {
        c.accessLog = true;
      }),
      log,
      (h) => h.router.get('/ok', () => 'ok'),
    );
    expect((await fetch(`${host.url}/nowhere`)).status).toBe(404);
    expect((await fetch(`${host.url}/ok`)).status).toBe(200);
    await host.stop();
    const access = log.find((line) => line.msg === 'request');
    expect(access.map((line) => [line.path, line.status, line.code])).toEqual([
      ['/nowhere', 404, HttpErrorCodes.NotFound],
      ['/ok', 200, undefined],
    ]);
  });
});

describe('user callbacks are contained and logged', () => {
  it('a plugin whose start throws: start() rejects with its error, it is logged with the plugin name, and nothing is left listening', async () => {
    const log = new LogLines();
    const failure = new Error('no backend');
    const host = HttpServer.createBuilder()
      .useListeningPort(0)
      .useConfiguration((c) => {
        c.logger = pino({ level: 'debug' }, log);
      })
      .usePlugin({
        name: 'flaky',
        start() {
          throw failure;
        },
      })
      .build();
    hosts.push(host);
    await expect(host.start()).rejects.toBe(failure);
    expect(host.server.listening).toBe(false);
    const [line] = log.find((l) => l.msg === 'plugin failed to start');
    expect(line).toMatchObject({ level: levels.error, plugin: 'flaky' });
    await expect(host.start()).rejects.toMatchObject({ code: ErrorCodes.HostState });
    await host.stop();
  });

  it('a plugin whose stop throws is logged, and the host still stops', async () => {
    const log = new LogLines();
    const host = await start(
      HttpServer.createBuilder().usePlugin({
        name: 'sticky',
        stop() {
          throw new Error('cannot stop');
        },
      }),
      log,
    );
    await host.stop();
    expect(host.server.listening).toBe(false);
    expect(log.find((l) => l.msg === 'plugin failed to stop')[0]).toMatchObject({ level: levels.error, plugin: 'sticky' });
  });

  it('an error handler that throws is logged, and the client gets the default error answer', async () => {
    const log = new LogLines();
    const host = await start(
      HttpServer.createBuilder().useErrorHandler(() => {
        throw new Error('handler bug');
      }),
      log,
    );
    const res = await fetch(`${host.url}/nowhere`);
    expect(res.status).toBe(404);
    expect(asRecord(await res.json()).code).toBe(HttpErrorCodes.NotFound);
    expect(log.find((l) => l.msg === 'the error handler threw')[0]).toMatchObject({ level: levels.error });
  });

  it('an after handler that throws once the route wrote its own answer is logged, and the server keeps serving', async () => {
    const log = new LogLines();
    const host = await start(HttpServer.createBuilder(), log, (h) => {
      h.router.get(
        '/own',
        (req) => {
          req.rawResponse.writeHead(200, { 'content-type': 'text/plain', 'content-length': 4 });
          req.rawResponse.end('mine');
          return 'ignored';
        },
        {
          handlers: [
            {
              after() {
                throw new Error('after bug');
              },
            },
          ],
        },
      );
      h.router.get('/', () => 'ok');
    });
    const res = await fetch(`${host.url}/own`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('mine');
    expect(log.find((l) => l.level === levels.error && asRecord(l.err).message === 'after bug')).toHaveLength(1);
    expect(await (await fetch(`${host.url}/`)).text()).toBe('ok');
  });
});

describe('controllers and @injectable()', () => {
  it('a controller whose constructor takes a service but lacks @injectable() fails build() with SLUICE_UNRESOLVED_DEPENDENCY', () => {
    @injectable()
    class Clock {
      now(): number {
        return 1;
      }
    }
    class TimeController {
      constructor(readonly clock: Clock) {}
      @RouteGet('/time')
      time(): unknown {
        return { now: this.clock.now() };
      }
    }
    const error = thrownBy(() =>
      HttpServer.createBuilder()
        .useControllers(TimeController)
        .useServices((c) => {
          c.bind(Clock).toSelf();
        })
        .build(),
    );
    expect(error).toMatchObject({ code: ErrorCodes.UnresolvedDependency });
    expect((error as Error).message).toMatch(/TimeController[\s\S]*@injectable\(\)/);
  });

  it('a controller without constructor dependencies serves without @injectable() (inversify 8 needs none)', async () => {
    class PingController {
      @RouteGet('/ping')
      ping(): string {
        return 'pong';
      }
    }
    const host = await start(HttpServer.createBuilder().useControllers(PingController));
    expect(await (await fetch(`${host.url}/ping`)).text()).toBe('pong');
  });
});
