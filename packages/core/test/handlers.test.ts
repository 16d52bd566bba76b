import 'reflect-metadata';
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { injectable, inject } from 'inversify';
import { HttpServer, type HttpRequest, HttpResponse, RouteGet, RoutePrefix, UseHandler, type RequestHandler } from '@sluice/core';
import { startHost, type StartedHost } from '../../../test/support/host.js';

// What the handlers in this file leave for the routes, typed as users type it.
declare module '@sluice/core' {
  interface RequestBag {
    handlersTestTrace?: string[];
    handlersTestUser?: string;
  }
}

function trace(req: HttpRequest, step: string): void {
  (req.bag.handlersTestTrace ??= []).push(step);
}

/** A handler instance that records its before/after steps under `name`. */
function tracer(name: string): RequestHandler {
  return {
    before(req) {
      trace(req, `${name}:before`);
    },
    after(req, res) {
      trace(req, `${name}:after`);
      // The outermost after handler runs last: the header then holds the whole trace.
      res.setHeader('x-trace', (req.bag.handlersTestTrace ?? []).join(','));
    },
  };
}

@injectable()
class TokenStore {
  readonly valid = new Set(['s3cret']);
  userFor(token: string): string | undefined {
    return this.valid.has(token) ? 'ada' : undefined;
  }
}

/** A handler class with an injected service, as users write authentication. */
@injectable()
class RequireToken implements RequestHandler {
  constructor(@inject(TokenStore) private readonly tokens: TokenStore) {}
  before(req: HttpRequest): HttpResponse | undefined {
    const token = req.header('authorization')?.replace(/^Bearer /, '') ?? '';
    const user = this.tokens.userFor(token);
    if (user === undefined) return HttpResponse.json({ error: 'unauthorized' }, 401);
    req.bag.handlersTestUser = user;
    return undefined;
  }
}

@injectable()
class AddServerHeader implements RequestHandler {
  after(_req: HttpRequest, res: HttpResponse): void {
    res.setHeader('x-handled-by', 'AddServerHeader');
    res.setHeader('x-replace-me', 'replaced by after');
  }
}

class ReplaceBody implements RequestHandler {
  after(): HttpResponse {
    return HttpResponse.text('replaced', 202).setHeader('x-replaced', 'yes');
  }
}

let routeCalls = 0;

@RoutePrefix('/ordered')
@UseHandler(tracer('class1'), tracer('class2'))
@injectable()
class OrderedController {
  @RouteGet('/')
  @UseHandler(tracer('method'))
  get(req: HttpRequest): unknown {
    trace(req, 'route');
    return { trace: [...(req.bag.handlersTestTrace ?? [])] };
  }

  @RouteGet('/class-only')
  classOnly(req: HttpRequest): unknown {
    trace(req, 'route');
    return { trace: [...(req.bag.handlersTestTrace ?? [])] };
  }
}

@RoutePrefix('/secure')
@UseHandler(RequireToken)
@injectable()
class SecureController {
  @RouteGet('/me')
  me(req: HttpRequest): unknown {
    routeCalls++;
    return { user: req.bag.handlersTestUser };
  }

  @RouteGet('/headers')
  @UseHandler(AddServerHeader)
  headers(): HttpResponse {
    return HttpResponse.text('with headers').setHeader('x-replace-me', 'original');
  }

  @RouteGet('/replaced')
  @UseHandler(ReplaceBody)
  replaced(): string {
    return 'original body';
  }
}

describe('request handlers', () => {
  let started: StartedHost;
  let url: string;
  const auth = { authorization: 'Bearer s3cret' };

  beforeAll(async () => {
    started = await startHost(
      HttpServer.createBuilder()
        .useControllers(OrderedController, SecureController)
        .useServices((c) => {
          c.bind(TokenStore).toSelf().inSingletonScope();
        })
        .useHandlers(tracer('global1'), tracer('global2')),
    );
    url = started.url;
    started.host.router.get(
      '/imperative',
      (req) => ({ trace: [...(req.bag.handlersTestTrace ?? [])], user: req.bag.handlersTestUser ?? null }),
      {
        handlers: [RequireToken, tracer('route-option')],
      },
    );
  });

  afterAll(async () => {
    await started?.stop();
  });

  it('class handlers run before method handlers, and after handlers unwind in reverse order', async () => {
    const res = await fetch(`${url}/ordered/`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { trace: string[] };
    expect(body.trace).toEqual(['global1:before', 'global2:before', 'class1:before', 'class2:before', 'method:before', 'route']);
    expect(res.headers.get('x-trace')).toBe(
      [
        'global1:before',
        'global2:before',
        'class1:before',
        'class2:before',
        'method:before',
        'route',
        'method:after',
        'class2:after',
        'class1:after',
        'global2:after',
        'global1:after',
      ].join(','),
    );
  });

  it('class-level handlers apply to every method of the controller', async () => {
    const body = (await (await fetch(`${url}/ordered/class-only`)).json()) as { trace: string[] };
    expect(body.trace).toEqual(['global1:before', 'global2:before', 'class1:before', 'class2:before', 'route']);
  });

  it('host-wide useHandlers handlers run outside the controller ones', async () => {
    const res = await fetch(`${url}/ordered/`);
    const steps = (res.headers.get('x-trace') ?? '').split(',');
    expect(steps[0]).toBe('global1:before');
    expect(steps.at(-1)).toBe('global1:after');
    expect(steps.indexOf('global2:before')).toBeLessThan(steps.indexOf('class1:before'));
    expect(steps.indexOf('class1:after')).toBeLessThan(steps.indexOf('global2:after'));
  });

  it('a before handler that returns a response short-circuits the route (401 without a token)', async () => {
    const before = routeCalls;
    const res = await fetch(`${url}/secure/me`);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: 'unauthorized' });
    expect(routeCalls).toBe(before);
  });

  it('a handler class is resolved from the container with its injected services, and passes data to the route through req.bag', async () => {
    const res = await fetch(`${url}/secure/me`, { headers: auth });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ user: 'ada' });
    expect(started.host.container.isBound(RequireToken)).toBe(true);
  });

  it('an after handler can add and replace headers of the route response', async () => {
    const res = await fetch(`${url}/secure/headers`, { headers: auth });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('with headers');
    expect(res.headers.get('x-handled-by')).toBe('AddServerHeader');
    expect(res.headers.get('x-replace-me')).toBe('replaced by after');
  });

  it('an after handler can replace the whole response', async () => {
    const res = await fetch(`${url}/secure/replaced`, { headers: auth });
    expect(res.status).toBe(202);
    expect(await res.text()).toBe('replaced');
    expect(res.headers.get('x-replaced')).toBe('yes');
  });

  it('an imperative route takes { handlers: [...] } (classes and instances), inside the host-wide ones', async () => {
    const denied = await fetch(`${url}/imperative`);
    expect(denied.status).toBe(401);
    const res = await fetch(`${url}/imperative`, { headers: auth });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { trace: string[]; user: string | null };
    expect(body.user).toBe('ada');
    expect(body.trace).toEqual(['global1:before', 'global2:before', 'route-option:before']);
    expect(res.headers.get('x-trace')).toBe(
      'global1:before,global2:before,route-option:before,route-option:after,global2:after,global1:after',
    );
  });

  it('an async before handler is awaited', async () => {
    const host = HttpServer.createBuilder()
      .useListeningPort(0)
      .useConfiguration((c) => {
        c.logger = false;
      })
      .build();
    host.router.get('/slow-auth', (req) => ({ user: req.bag.handlersTestUser }), {
      handlers: [
        {
          async before(req: HttpRequest) {
            await new Promise((resolve) => setTimeout(resolve, 20));
            req.bag.handlersTestUser = 'async-user';
          },
        },
      ],
    });
    await host.start();
    try {
      const res = await fetch(`${host.url}/slow-auth`);
      expect(await res.json()).toEqual({ user: 'async-user' });
    } finally {
      await host.stop();
    }
  });
});
