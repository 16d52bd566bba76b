import 'reflect-metadata';
import { describe, it, expect, beforeAll, afterAll, afterEach } from '@jest/globals';
import { injectable } from 'inversify';
import {
  HttpServer,
  type HttpRequest,
  HttpResponse,
  Route,
  RouteGet,
  RoutePost,
  RoutePut,
  RoutePatch,
  RouteDelete,
  RoutePrefix,
  RouteMethod,
  SluiceError,
  ErrorCodes,
  HttpErrorCodes,
} from '@sluice/core';
import { startHost, thrownBy, asRecord, type StartedHost } from '../../../test/support/host.js';
import { RawConnection, destroyRawSockets } from '../../../test/support/raw.js';

@injectable()
class ItemsController {
  @RouteGet('/items')
  list(): unknown {
    return [{ id: 1 }];
  }

  @RoutePost('/items')
  create(): HttpResponse {
    return HttpResponse.text('created', 201);
  }

  @RoutePut('/items/:id')
  replace(req: HttpRequest): string {
    return `put ${req.params.id}`;
  }

  @RoutePatch('/items/:id')
  update(req: HttpRequest): string {
    return `patch ${req.params.id}`;
  }

  @RouteDelete('/items/:id')
  remove(req: HttpRequest): string {
    return `delete ${req.params.id}`;
  }

  @RouteGet('/items/:id')
  get(req: HttpRequest): unknown {
    return { id: req.params.id };
  }
}

@RoutePrefix('/api/v1')
@injectable()
class PrefixedController {
  @RouteGet('/status')
  status(): string {
    return 'prefixed ok';
  }

  @Route(RouteMethod.Get, '/explicit')
  explicitGet(): string {
    return 'explicit get';
  }

  @Route(RouteMethod.Post, '/explicit')
  explicitPost(): string {
    return 'explicit post';
  }

  @Route(RouteMethod.Put, '/explicit')
  explicitPut(): string {
    return 'explicit put';
  }

  @Route(RouteMethod.Patch, '/explicit')
  explicitPatch(): string {
    return 'explicit patch';
  }

  @Route(RouteMethod.Delete, '/explicit')
  explicitDelete(): string {
    return 'explicit delete';
  }

  @Route(RouteMethod.Any, '/any')
  any(req: HttpRequest): string {
    return `any ${req.method}`;
  }
}

@injectable()
class ParamsController {
  @RouteGet('/sisk/<user>/posts/<post>')
  sisk(req: HttpRequest): unknown {
    return { ...req.params };
  }

  @RouteGet('/names/:name')
  name(req: HttpRequest): unknown {
    return { name: req.params.name };
  }

  @RouteGet('/hello')
  hello(): HttpResponse {
    return HttpResponse.text('hello world').setHeader('X-Greeting', 'yes');
  }

  @RoutePost('/hello')
  postHello(): string {
    return 'posted';
  }

  @RouteGet('/get-only')
  getOnly(): string {
    return 'get only';
  }
}

describe('HttpServer builder and host', () => {
  let started: StartedHost;

  beforeAll(async () => {
    started = await startHost(HttpServer.createBuilder().useControllers(ItemsController, PrefixedController, ParamsController));
  });

  afterEach(() => destroyRawSockets());
  afterAll(async () => {
    destroyRawSockets();
    await started?.stop();
  });

  describe('lifecycle', () => {
    it('host.url is the http://127.0.0.1:<port> base URL with the real port once started', async () => {
      const { host } = started;
      expect(typeof host.url).toBe('string');
      expect(host.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(host.port).toBeGreaterThan(0);
      expect(host.url).toBe(`http://127.0.0.1:${host.port}`);
      const res = await fetch(`${host.url}/items`);
      expect(res.status).toBe(200);
    });

    it('reading host.url or host.port before start() throws SLUICE_HOST_STATE', async () => {
      const host = HttpServer.createBuilder()
        .useListeningPort(0)
        .useConfiguration((c) => {
          c.logger = false;
        })
        .useControllers(ItemsController)
        .build();
      try {
        const urlError = thrownBy(() => host.url);
        expect(urlError).toBeInstanceOf(SluiceError);
        expect((urlError as SluiceError).code).toBe('SLUICE_HOST_STATE');
        expect((urlError as SluiceError).code).toBe(ErrorCodes.HostState);
        const portError = thrownBy(() => host.port);
        expect((portError as SluiceError).code).toBe('SLUICE_HOST_STATE');
      } finally {
        await host.stop();
      }
    });

    it('start() after stop() rejects with SLUICE_HOST_STATE, whether or not the host had started', async () => {
      const build = () =>
        HttpServer.createBuilder()
          .useListeningPort(0)
          .useConfiguration((c) => {
            c.logger = false;
          })
          .useControllers(ItemsController)
          .build();
      const started = build();
      await started.start();
      await started.stop();
      await expect(started.start()).rejects.toMatchObject({ code: ErrorCodes.HostState });
      const never = build();
      await never.stop();
      await expect(never.start()).rejects.toMatchObject({ code: ErrorCodes.HostState });
    });

    it('starting a host twice resolves to the same listening server', async () => {
      const host = HttpServer.createBuilder()
        .useListeningPort(0)
        .useConfiguration((c) => {
          c.logger = false;
        })
        .useControllers(ItemsController)
        .build();
      try {
        await Promise.all([host.start(), host.start()]);
        const res = await fetch(`${host.url}/items`);
        expect(res.status).toBe(200);
      } finally {
        await host.stop();
      }
    });

    it('build() twice on one builder throws SLUICE_HOST_STATE', () => {
      const builder = HttpServer.createBuilder()
        .useConfiguration((c) => {
          c.logger = false;
        })
        .useControllers(ItemsController);
      builder.build();
      const error = thrownBy(() => builder.build());
      expect((error as SluiceError).code).toBe('SLUICE_HOST_STATE');
    });

    it('useListeningPort rejects an invalid port', () => {
      const error = thrownBy(() => HttpServer.createBuilder().useListeningPort(70000));
      expect(error).toBeInstanceOf(SluiceError);
      expect((error as SluiceError).code).toBe('SLUICE_INVALID_CONFIGURATION');
    });

    it('responses carry no X-Powered-By header', async () => {
      const res = await fetch(`${started.url}/items`);
      expect(res.headers.get('x-powered-by')).toBeNull();
      const missing = await fetch(`${started.url}/nope`);
      expect(missing.headers.get('x-powered-by')).toBeNull();
    });
  });

  describe('controllers and decorators', () => {
    it('useControllers takes several controllers at once and serves all of them', async () => {
      const a = await fetch(`${started.url}/items`);
      const b = await fetch(`${started.url}/api/v1/status`);
      const c = await fetch(`${started.url}/hello`);
      expect(await a.json()).toEqual([{ id: 1 }]);
      expect(await b.text()).toBe('prefixed ok');
      expect(await c.text()).toBe('hello world');
    });

    it('@RoutePrefix prefixes every route of the controller, and the bare path is not served', async () => {
      const prefixed = await fetch(`${started.url}/api/v1/status`);
      expect(prefixed.status).toBe(200);
      expect(await prefixed.text()).toBe('prefixed ok');
      const bare = await fetch(`${started.url}/status`);
      expect(bare.status).toBe(404);
    });

    it.each([
      ['@RouteGet', 'GET', '/items/7', 200, '{"id":"7"}'],
      ['@RoutePost', 'POST', '/items', 201, 'created'],
      ['@RoutePut', 'PUT', '/items/7', 200, 'put 7'],
      ['@RoutePatch', 'PATCH', '/items/7', 200, 'patch 7'],
      ['@RouteDelete', 'DELETE', '/items/7', 200, 'delete 7'],
    ])('%s serves %s %s', async (_decorator, method, path, status, body) => {
      const res = await fetch(`${started.url}${path}`, { method });
      expect(res.status).toBe(status);
      expect(await res.text()).toBe(body);
    });

    it.each(['GET', 'POST', 'PUT', 'PATCH', 'DELETE'])('@Route(RouteMethod.X, path) serves %s', async (method) => {
      const res = await fetch(`${started.url}/api/v1/explicit`, { method });
      expect(res.status).toBe(200);
      expect(await res.text()).toBe(`explicit ${method.toLowerCase()}`);
    });

    it('RouteMethod.Any answers every method', async () => {
      for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']) {
        const res = await fetch(`${started.url}/api/v1/any`, { method });
        expect(res.status).toBe(200);
        expect(await res.text()).toBe(`any ${method}`);
      }
    });

    it('RouteMethod has the members user code is written against', () => {
      expect(RouteMethod.Get).toBe('GET');
      expect(RouteMethod.Post).toBe('POST');
      expect(RouteMethod.Put).toBe('PUT');
      expect(RouteMethod.Patch).toBe('PATCH');
      expect(RouteMethod.Delete).toBe('DELETE');
      expect(RouteMethod.Head).toBe('HEAD');
      expect(RouteMethod.Options).toBe('OPTIONS');
      expect(new Set(Object.values(RouteMethod)).size).toBe(8);
    });
  });

  describe('imperative routes', () => {
    it('host.router.route and the get/post/put/patch/delete shorthands work after build(), before start()', async () => {
      const host = HttpServer.createBuilder()
        .useListeningPort(0)
        .useConfiguration((c) => {
          c.logger = false;
        })
        .build();
      host.router.route(RouteMethod.Get, '/', () => 'root');
      host.router.get('/g', () => 'g');
      host.router.post('/p', async (req) => `p:${await req.text()}`);
      host.router.put('/u', () => 'u');
      host.router.patch('/pa', () => 'pa');
      host.router.delete('/d', () => 'd');
      await host.start();
      try {
        expect(await (await fetch(`${host.url}/`)).text()).toBe('root');
        expect(await (await fetch(`${host.url}/g`)).text()).toBe('g');
        expect(await (await fetch(`${host.url}/p`, { method: 'POST', body: 'body' })).text()).toBe('p:body');
        expect(await (await fetch(`${host.url}/u`, { method: 'PUT' })).text()).toBe('u');
        expect(await (await fetch(`${host.url}/pa`, { method: 'PATCH' })).text()).toBe('pa');
        expect(await (await fetch(`${host.url}/d`, { method: 'DELETE' })).text()).toBe('d');
        expect((await fetch(`${host.url}/d`)).status).toBe(405);
      } finally {
        await host.stop();
      }
    });

    it('routes added to a running host are served at once', async () => {
      const { host } = started;
      expect((await fetch(`${host.url}/late`)).status).toBe(404);
      host.router.route(RouteMethod.Get, '/late', () => ({ late: true }));
      host.router.post('/late', () => 'late post');
      const res = await fetch(`${host.url}/late`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ late: true });
      const post = await fetch(`${host.url}/late`, { method: 'POST' });
      expect(await post.text()).toBe('late post');
    });

    it('an imperative route that conflicts with a controller route throws SLUICE_ROUTE_CONFLICT', () => {
      const error = thrownBy(() => started.host.router.get('/items', () => 'again'));
      expect((error as SluiceError).code).toBe('SLUICE_ROUTE_CONFLICT');
    });
  });

  describe('route parameters', () => {
    it("accepts Sisk's <param> syntax", async () => {
      const res = await fetch(`${started.url}/sisk/ada/posts/42`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ user: 'ada', post: '42' });
    });

    it('percent-decodes parameters', async () => {
      const res = await fetch(`${started.url}/names/Jos%C3%A9%20Mar%C3%ADa`);
      expect(await res.json()).toEqual({ name: 'José María' });
      const slash = await fetch(`${started.url}/names/a%2Fb`);
      expect(await slash.json()).toEqual({ name: 'a/b' });
    });

    it('a malformed percent-escape in a parameter gives a 400 JSON error', async () => {
      const res = await fetch(`${started.url}/names/%E0%A4%A`);
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      const body = asRecord(await res.json());
      expect(body.statusCode).toBe(400);
      expect(body.error).toBe('Bad Request');
      expect(typeof body.message).toBe('string');
    });
  });

  describe('404, 405, HEAD and OPTIONS', () => {
    it('an unknown path gives 404 with a JSON body { statusCode, error, message, code }', async () => {
      const res = await fetch(`${started.url}/does/not/exist`);
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      const body = asRecord(await res.json());
      expect(Object.keys(body).sort()).toEqual(['code', 'error', 'message', 'statusCode']);
      expect(body.statusCode).toBe(404);
      expect(body.error).toBe('Not Found');
      expect(typeof body.message).toBe('string');
      expect(body.code).toBe('SLUICE_NOT_FOUND');
      expect(body.code).toBe(HttpErrorCodes.NotFound);
    });

    it('a wrong method gives 405 with an Allow header listing the served methods', async () => {
      const res = await fetch(`${started.url}/get-only`, { method: 'DELETE' });
      expect(res.status).toBe(405);
      const allow = (res.headers.get('allow') ?? '').split(',').map((m) => m.trim());
      expect(allow).toEqual(expect.arrayContaining(['GET', 'HEAD']));
      expect(allow).not.toContain('DELETE');
      const body = asRecord(await res.json());
      expect(body.statusCode).toBe(405);
      expect(body.error).toBe('Method Not Allowed');
    });

    it('HEAD on a GET route answers with the GET headers and no body bytes', async () => {
      const connection = await RawConnection.open(started.host);
      connection.send(`HEAD /hello HTTP/1.1\r\nHost: localhost\r\n\r\n`);
      const head = await connection.readResponse(5000, { noBody: true });
      expect(head.status).toBe(200);
      expect(head.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(head.headers['x-greeting']).toBe('yes');
      expect(head.headers['content-length']).toBe(String(Buffer.byteLength('hello world')));
      // A GET on the same connection: if the HEAD had sent body bytes they would come first.
      connection.send(`GET /hello HTTP/1.1\r\nHost: localhost\r\n\r\n`);
      const get = await connection.readResponse();
      expect(get.status).toBe(200);
      expect(get.body).toBe('hello world');
      expect(connection.received).toBe('');
    });

    it('routes an absolute-form request target (GET http://host/path) by its path', async () => {
      const connection = await RawConnection.open(started.host);
      connection.send(`GET http://example.test/items?x=1 HTTP/1.1\r\nHost: example.test\r\n\r\n`);
      const response = await connection.readResponse();
      expect(response.status).toBe(200);
      expect(JSON.parse(response.body)).toEqual([{ id: 1 }]);
    });

    it('HEAD through fetch gives 200 and an empty body', async () => {
      const res = await fetch(`${started.url}/items`, { method: 'HEAD' });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await res.text()).toBe('');
    });

    it('OPTIONS answers 204 with an Allow header', async () => {
      const res = await fetch(`${started.url}/hello`, { method: 'OPTIONS' });
      expect(res.status).toBe(204);
      const allow = (res.headers.get('allow') ?? '').split(',').map((m) => m.trim());
      expect(allow).toEqual(expect.arrayContaining(['GET', 'HEAD', 'POST', 'OPTIONS']));
      expect(await res.text()).toBe('');
    });

    it('OPTIONS on an unknown path gives 404', async () => {
      const res = await fetch(`${started.url}/nothing-here`, { method: 'OPTIONS' });
      expect(res.status).toBe(404);
    });
  });

  describe('route conflicts', () => {
    @injectable()
    class FirstController {
      @RouteGet('/dup/:id')
      show(): string {
        return 'first';
      }
    }

    @injectable()
    class SecondController {
      @RouteGet('/dup/:key')
      display(): string {
        return 'second';
      }
    }

    it('the same method and path in two controllers fails at build() with SLUICE_ROUTE_CONFLICT naming both handlers', () => {
      const builder = HttpServer.createBuilder()
        .useConfiguration((c) => {
          c.logger = false;
        })
        .useControllers(FirstController, SecondController);
      const error = thrownBy(() => builder.build());
      expect(error).toBeInstanceOf(SluiceError);
      expect((error as SluiceError).code).toBe('SLUICE_ROUTE_CONFLICT');
      expect((error as SluiceError).message).toContain('FirstController.show');
      expect((error as SluiceError).message).toContain('SecondController.display');
    });

    it('different methods on the same path do not conflict', async () => {
      const res = await fetch(`${started.url}/hello`, { method: 'POST' });
      expect(await res.text()).toBe('posted');
    });
  });
});
