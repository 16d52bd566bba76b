// Sluice as a user writes it: controllers, a DI-resolved service, JSON results.
import 'reflect-metadata';
import { inject, injectable } from 'inversify';
import { HttpServer, RouteGet, type HttpRequest } from '@sluice/core';

@injectable()
class UserStore {
  readonly #users = new Map([['42', { id: '42', name: 'Ada' }]]);
  find(id: string): { id: string; name: string } {
    return this.#users.get(id) ?? { id, name: 'unknown' };
  }
}

@injectable()
class HelloController {
  @RouteGet('/hello')
  hello(): object {
    return { message: 'Hello, world!' };
  }
}

@injectable()
class UsersController {
  constructor(@inject(UserStore) private readonly users: UserStore) {}

  @RouteGet('/users/:id')
  get(req: HttpRequest): object {
    return this.users.find(req.params.id!);
  }
}

const host = HttpServer.createBuilder()
  .useListeningPort(Number(process.env.PORT ?? 3002), '127.0.0.1')
  .useControllers(HelloController, UsersController)
  .useServices((c) => {
    c.bind(UserStore).toSelf().inSingletonScope();
  })
  .useConfiguration((c) => {
    c.logger = false;
  })
  .build();
await host.start();
console.log(`sluice listening on ${host.url}`);
