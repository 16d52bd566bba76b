import { injectable } from 'inversify';
import { HttpError, HttpResponse, RouteGet, RoutePost, RoutePrefix, type HttpRequest } from '@sluice/core';

interface User {
  id: string;
  name: string;
}

@RoutePrefix('/users')
@injectable()
export class UsersController {
  readonly #users = new Map<string, User>([['42', { id: '42', name: 'Ada' }]]);

  @RouteGet('/:id')
  get(req: HttpRequest): User {
    const user = this.#users.get(req.params.id!);
    if (!user) throw new HttpError(404, `No user ${req.params.id}`);
    return user;
  }

  @RoutePost('/')
  async create(req: HttpRequest): Promise<HttpResponse> {
    const body = await req.json<{ name?: unknown }>();
    if (typeof body.name !== 'string' || body.name.trim() === '') throw new HttpError(400, 'name must be a non-empty string');
    const user = { id: String(this.#users.size + 100), name: body.name };
    this.#users.set(user.id, user);
    return HttpResponse.json(user, 201).setHeader('Location', `/users/${user.id}`);
  }
}
