import { inject, injectable } from 'inversify';
import { HttpError, HttpResponse, RouteGet, RoutePost, RoutePrefix, type HttpRequest } from '@sluice/core';
import { Notifier } from './Notifier.js';

const userPattern = /^[a-z0-9_-]{1,32}$/i;

@RoutePrefix('/events')
@injectable()
export class EventsController {
  constructor(@inject(Notifier) private readonly notifier: Notifier) {}

  /** Disposable connection: send, then close. `curl -N localhost:3000/events/hello` */
  @RouteGet('/hello')
  hello(req: HttpRequest): HttpResponse {
    const sse = req.getEventSource();
    sse.send('Hello, world!');
    return sse.close();
  }

  /** Persistent, identified connection with pings; ends after 60 s without a message. */
  @RouteGet('/:user')
  async stream(req: HttpRequest): Promise<HttpResponse> {
    const user = req.params.user!;
    if (!userPattern.test(user)) throw new HttpError(400, 'A user name is 1-32 letters, digits, _ or -');
    const sse = req.getEventSource(`user-${user}`);
    sse.appendHeader('X-Stream', 'v1');
    sse.withPing((ping) => {
      ping.dataMessage = 'ping';
      ping.interval = 5_000;
      ping.start();
    });
    sse.send(`welcome, ${user}`, { event: 'welcome' });
    await sse.keepAlive(60_000);
    return sse.close();
  }

  /** `curl -X POST localhost:3000/events/alice -d 'hi there'` */
  @RoutePost('/:user')
  async post(req: HttpRequest): Promise<HttpResponse> {
    const text = await req.text();
    if (text.length === 0 || text.length > 4096) throw new HttpError(400, 'Send 1 to 4096 characters of text');
    return this.notifier.notify(req.params.user!, text) ? new HttpResponse(202) : HttpResponse.json({ delivered: false }, 404);
  }

  /** `curl -X POST localhost:3000/events -d 'to everyone'` */
  @RoutePost('/')
  async announce(req: HttpRequest): Promise<object> {
    const text = await req.text();
    if (text.length === 0 || text.length > 4096) throw new HttpError(400, 'Send 1 to 4096 characters of text');
    return { reached: this.notifier.announce(text) };
  }
}
