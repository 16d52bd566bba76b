import 'reflect-metadata';
import { describe, it, expect, afterEach } from '@jest/globals';
import { Container, injectable, inject } from 'inversify';
import { HttpServer, type HttpRequest, RouteGet, SluiceError } from '@sluice/core';
import { startHost, thrownBy, type StartedHost } from '../../../test/support/host.js';

import type { HttpServerBuilder } from '@sluice/core';

const newBuilder = (): HttpServerBuilder => HttpServer.createBuilder();

describe('dependency injection', () => {
  const hosts: StartedHost[] = [];
  const start = async (builder: HttpServerBuilder): Promise<StartedHost> => {
    const started = await startHost(builder);
    hosts.push(started);
    return started;
  };
  afterEach(async () => {
    await Promise.all(hosts.splice(0).map((h) => h.stop()));
  });

  it('a controller is resolved once at build() and the same instance serves every request', async () => {
    let constructed = 0;
    @injectable()
    class CounterController {
      readonly instance = ++constructed;
      @RouteGet('/instance')
      get(): unknown {
        return { instance: this.instance };
      }
    }

    const builder = newBuilder().useControllers(CounterController);
    expect(constructed).toBe(0);
    const { url } = await start(builder);
    expect(constructed).toBe(1);
    const seen = new Set<unknown>();
    for (let i = 0; i < 5; i++) {
      const body = (await (await fetch(`${url}/instance`)).json()) as { instance: number };
      seen.add(body.instance);
    }
    expect([...seen]).toEqual([1]);
    expect(constructed).toBe(1);
  });

  it('a controller the user binds in transient scope gets a new instance per request', async () => {
    let constructed = 0;
    @injectable()
    class TransientController {
      readonly instance = ++constructed;
      @RouteGet('/instance')
      get(): unknown {
        return { instance: this.instance };
      }
    }

    const { url } = await start(
      newBuilder()
        .useControllers(TransientController)
        .useServices((c) => {
          c.bind(TransientController).toSelf(); // inversify's default scope: transient
        }),
    );
    const a = (await (await fetch(`${url}/instance`)).json()) as { instance: number };
    const b = (await (await fetch(`${url}/instance`)).json()) as { instance: number };
    expect(a.instance).not.toBe(b.instance);
    expect(b.instance).toBeGreaterThan(a.instance);
  });

  it('a controller bound inRequestScope() gets a new instance per request', async () => {
    let constructed = 0;
    @injectable()
    class RequestScopedController {
      readonly instance = ++constructed;
      @RouteGet('/instance')
      get(): unknown {
        return { instance: this.instance };
      }
    }

    const { url } = await start(
      newBuilder()
        .useControllers(RequestScopedController)
        .useServices((c) => {
          c.bind(RequestScopedController).toSelf().inRequestScope();
        }),
    );
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) ids.push(((await (await fetch(`${url}/instance`)).json()) as { instance: number }).instance);
    expect(new Set(ids).size).toBe(3);
  });

  it('a service is injected into a controller with @inject(Service)', async () => {
    @injectable()
    class Greeter {
      greet(name: string): string {
        return `Hello, ${name}!`;
      }
    }

    @injectable()
    class GreetController {
      constructor(@inject(Greeter) private readonly greeter: Greeter) {}
      @RouteGet('/greet/:name')
      greet(req: HttpRequest): string {
        return this.greeter.greet(req.params.name ?? '');
      }
    }

    const { url } = await start(
      newBuilder()
        .useControllers(GreetController)
        .useServices((c) => {
          c.bind(Greeter).toSelf().inSingletonScope();
        }),
    );
    const res = await fetch(`${url}/greet/Ada`);
    expect(await res.text()).toBe('Hello, Ada!');
  });

  it('useServices receives the host container, which host.container is', async () => {
    @injectable()
    class PingController {
      @RouteGet('/ping')
      ping(): string {
        return 'pong';
      }
    }
    let received: Container | undefined;
    const { host } = await start(
      newBuilder()
        .useControllers(PingController)
        .useServices((c) => {
          received = c;
        }),
    );
    expect(received).toBeInstanceOf(Container);
    expect(host.container).toBe(received);
    expect(host.container.isBound(PingController)).toBe(true);
  });

  it('useContainer(container) makes the host use that container and its bindings', async () => {
    const Config = Symbol('Config');
    const mine = new Container();
    mine.bind<{ greeting: string }>(Config).toConstantValue({ greeting: 'from my container' });

    @injectable()
    class ConfigController {
      constructor(@inject(Config) private readonly config: { greeting: string }) {}
      @RouteGet('/config')
      get(): string {
        return this.config.greeting;
      }
    }

    let received: Container | undefined;
    const { host, url } = await start(
      newBuilder()
        .useContainer(mine)
        .useControllers(ConfigController)
        .useServices((c) => {
          received = c;
        }),
    );
    expect(host.container).toBe(mine);
    expect(received).toBe(mine);
    expect(await (await fetch(`${url}/config`)).text()).toBe('from my container');
  });

  it('a controller whose dependency is not bound fails at build() with SLUICE_UNRESOLVED_DEPENDENCY naming the service', () => {
    @injectable()
    class MissingMailer {
      send(): void {}
    }

    @injectable()
    class NeedsMailerController {
      constructor(@inject(MissingMailer) readonly mailer: MissingMailer) {}
      @RouteGet('/mail')
      mail(): string {
        return 'sent';
      }
    }

    const builder = newBuilder()
      .useConfiguration((c) => {
        c.logger = false;
      })
      .useControllers(NeedsMailerController);
    const error = thrownBy(() => builder.build());
    expect(error).toBeInstanceOf(SluiceError);
    expect((error as SluiceError).code).toBe('SLUICE_UNRESOLVED_DEPENDENCY');
    expect((error as SluiceError).message).toContain('MissingMailer');
    expect((error as SluiceError).message).toContain('NeedsMailerController');
  });

  it('a class without routes passed to useControllers fails at build() with SLUICE_CONTROLLER_WITHOUT_ROUTES', () => {
    @injectable()
    class NotAController {
      hello(): string {
        return 'hi';
      }
    }
    const builder = newBuilder()
      .useConfiguration((c) => {
        c.logger = false;
      })
      .useControllers(NotAController);
    const error = thrownBy(() => builder.build());
    expect(error).toBeInstanceOf(SluiceError);
    expect((error as SluiceError).code).toBe('SLUICE_CONTROLLER_WITHOUT_ROUTES');
    expect((error as SluiceError).message).toContain('NotAController');
  });
});
