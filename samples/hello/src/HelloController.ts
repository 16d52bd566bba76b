import { inject, injectable } from 'inversify';
import { HttpError, RouteGet, type HttpRequest } from '@sluice/core';
import { GreetingService } from './GreetingService.js';

@injectable()
export class HelloController {
  constructor(@inject(GreetingService) private readonly greetings: GreetingService) {}

  @RouteGet('/hello')
  hello(): object {
    return this.greetings.greet('world');
  }

  @RouteGet('/hello/:name')
  helloName(req: HttpRequest): object {
    const name = req.params.name!;
    if (name.length > 64) throw new HttpError(400, 'A name is at most 64 characters');
    return this.greetings.greet(name);
  }
}
