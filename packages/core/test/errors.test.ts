import 'reflect-metadata';
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { STATUS_CODES } from 'node:http';
import { injectable } from 'inversify';
import { HttpServer, HttpError, HttpResponse, RouteGet } from '@sluice/core';
import { startHost, deferred, within, asRecord, type StartedHost } from '../../../test/support/host.js';

const secret = 'db password is hunter2';

@injectable()
class FailingController {
  @RouteGet('/throw')
  throws(): string {
    throw new Error(secret);
  }

  @RouteGet('/throw-async')
  async throwsAsync(): Promise<string> {
    await new Promise((resolve) => setTimeout(resolve, 1));
    throw new TypeError(secret);
  }

  @RouteGet('/teapot')
  teapot(): string {
    throw new HttpError(418, 'teapot');
  }

  @RouteGet('/rate-limited')
  rateLimited(): string {
    throw new HttpError(429, 'slow down', { headers: { 'Retry-After': '30' }, code: 'RATE_LIMITED' });
  }

  @RouteGet('/function')
  returnsFunction(): unknown {
    return () => 'not a response';
  }

  @RouteGet('/function-async')
  async returnsFunctionAsync(): Promise<unknown> {
    return () => 'not a response';
  }

  @RouteGet('/ok')
  ok(): string {
    return 'still alive';
  }
}

const internalErrorBody = '{"statusCode":500,"error":"Internal Server Error","message":"Internal Server Error"}';

describe('errors', () => {
  describe('default error responses', () => {
    let started: StartedHost;

    beforeAll(async () => {
      started = await startHost(HttpServer.createBuilder().useControllers(FailingController));
      started.host.router.get('/throwing-before', () => 'unreachable', {
        handlers: [
          {
            before() {
              throw new Error(secret);
            },
          },
        ],
      });
      started.host.router.get('/throwing-after', () => 'fine', {
        handlers: [
          {
            after() {
              throw new Error(secret);
            },
          },
        ],
      });
    });
    afterAll(async () => {
      await started?.stop();
    });

    it.each(['/throw', '/throw-async'])('an exception (%s) gives a generic 500 JSON body without the message or stack', async (path) => {
      const res = await fetch(`${started.url}${path}`);
      expect(res.status).toBe(500);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      const text = await res.text();
      expect(text).toBe(internalErrorBody);
      expect(text).not.toContain('hunter2');
      expect(text).not.toMatch(/\bat \w/);
    });

    it.each(['/throwing-before', '/throwing-after'])('an exception in a request handler (%s) gives the same generic 500', async (path) => {
      const res = await fetch(`${started.url}${path}`);
      expect(res.status).toBe(500);
      expect(await res.text()).toBe(internalErrorBody);
    });

    it('HttpError(418, "teapot") gives 418 with the message in a JSON body', async () => {
      const res = await fetch(`${started.url}/teapot`);
      expect(res.status).toBe(418);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await res.json()).toEqual({ statusCode: 418, error: STATUS_CODES[418], message: 'teapot' });
    });

    it('HttpError headers (Retry-After) and code are sent', async () => {
      const res = await fetch(`${started.url}/rate-limited`);
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('30');
      expect(await res.json()).toEqual({ statusCode: 429, error: 'Too Many Requests', message: 'slow down', code: 'RATE_LIMITED' });
    });

    it('HttpError refuses a status that is not an error status', () => {
      expect(() => new HttpError(200, 'fine')).toThrow(RangeError);
      expect(() => new HttpError(600)).toThrow(RangeError);
    });

    it('HttpError without a message uses the status text', async () => {
      const error = new HttpError(403);
      expect(error.message).toBe('Forbidden');
      expect(error.status).toBe(403);
    });

    it.each(['/function', '/function-async'])('a handler returning a function (%s) gives 500', async (path) => {
      const res = await fetch(`${started.url}${path}`);
      expect(res.status).toBe(500);
      expect(await res.text()).toBe(internalErrorBody);
    });

    it('the server still answers after all these errors', async () => {
      const res = await fetch(`${started.url}/ok`);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('still alive');
    });
  });

  describe('useErrorHandler', () => {
    let started: StartedHost;
    const seen: unknown[] = [];

    beforeAll(async () => {
      started = await startHost(
        HttpServer.createBuilder()
          .useControllers(FailingController)
          .useErrorHandler((error, req) => {
            seen.push(error);
            if (req.path === '/teapot') return undefined; // falls back to the default body
            if (error instanceof HttpError) {
              return HttpResponse.json({ problem: error.message, status: error.status, path: req.path }, error.status);
            }
            return HttpResponse.text('something broke, sorry', 500).setHeader('x-shaped', 'yes');
          }),
      );
    });
    afterAll(async () => {
      await started?.stop();
    });

    it('shapes a 404', async () => {
      const res = await fetch(`${started.url}/missing`);
      expect(res.status).toBe(404);
      const body = asRecord(await res.json());
      expect(body.status).toBe(404);
      expect(body.path).toBe('/missing');
      expect(typeof body.problem).toBe('string');
      expect(seen.at(-1)).toBeInstanceOf(HttpError);
    });

    it('shapes a thrown exception and receives the original error', async () => {
      const res = await fetch(`${started.url}/throw`);
      expect(res.status).toBe(500);
      expect(res.headers.get('x-shaped')).toBe('yes');
      expect(await res.text()).toBe('something broke, sorry');
      const error = seen.at(-1);
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toBe(secret);
    });

    it('an error handler returning nothing falls back to the default body', async () => {
      const res = await fetch(`${started.url}/teapot`);
      expect(res.status).toBe(418);
      expect(await res.json()).toEqual({ statusCode: 418, error: STATUS_CODES[418], message: 'teapot' });
    });
  });

  describe('an error handler that throws', () => {
    let started: StartedHost;

    beforeAll(async () => {
      started = await startHost(
        HttpServer.createBuilder()
          .useControllers(FailingController)
          .useErrorHandler(() => {
            throw new Error('the error handler itself failed');
          }),
      );
    });
    afterAll(async () => {
      await started?.stop();
    });

    it('falls back to the default error response', async () => {
      const res = await fetch(`${started.url}/throw`);
      expect(res.status).toBe(500);
      expect(await res.text()).toBe(internalErrorBody);
      const teapot = await fetch(`${started.url}/teapot`);
      expect(teapot.status).toBe(418);
      expect(asRecord(await teapot.json()).message).toBe('teapot');
    });

    it('and the server still answers', async () => {
      expect(await (await fetch(`${started.url}/ok`)).text()).toBe('still alive');
    });
  });

  describe('request timeout', () => {
    let started: StartedHost;
    const aborted = deferred<{ aborted: boolean; reason: unknown }>();

    beforeAll(async () => {
      started = await startHost(
        HttpServer.createBuilder().useConfiguration((c) => {
          c.requestTimeout = 300;
          c.headersTimeout = 300;
        }),
      );
      started.host.router.get('/never', (req) => {
        const signal = req.signal;
        signal.addEventListener('abort', () => aborted.resolve({ aborted: signal.aborted, reason: signal.reason }), { once: true });
        return new Promise<never>(() => {
          // never settles
        });
      });
      started.host.router.get('/never-with-handlers', () => new Promise<never>(() => undefined), {
        handlers: [{ before: () => undefined, after: () => undefined }],
      });
      started.host.router.get('/ok', () => 'ok');
    });
    afterAll(async () => {
      await started?.stop();
    });

    it('an async handler that never settles gets 503 SLUICE_REQUEST_TIMEOUT after requestTimeout, and its signal is aborted', async () => {
      // A generous bound: the timeout is 300 ms; this only proves the answer comes from the timeout.
      const res = await within(fetch(`${started.url}/never`), 10_000, 'the 503');
      expect(res.status).toBe(503);
      const body = asRecord(await res.json());
      expect(body.statusCode).toBe(503);
      expect(body.code).toBe('SLUICE_REQUEST_TIMEOUT');
      const signal = await within(aborted.promise, 5000, 'req.signal to abort');
      expect(signal.aborted).toBe(true);
    });

    it('the request timeout also applies to a route with request handlers', async () => {
      // A generous bound, as above.
      const res = await within(fetch(`${started.url}/never-with-handlers`), 10_000, 'the 503');
      expect(res.status).toBe(503);
      expect(asRecord(await res.json()).code).toBe('SLUICE_REQUEST_TIMEOUT');
    });

    it('the server still answers after a timeout', async () => {
      expect(await (await fetch(`${started.url}/ok`)).text()).toBe('ok');
    });
  });
});
