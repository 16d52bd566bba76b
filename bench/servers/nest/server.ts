// NestJS as its docs recommend: a module, controllers, injectable services, the Express
// platform, and an @Sse() route returning an Observable<MessageEvent> per client (a Subject
// per client, kept in a service registry keyed by id and removed when Nest unsubscribes).
import 'reflect-metadata';
import { Controller, Get, HttpCode, Injectable, Module, Param, Post, Query, Sse, type MessageEvent } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Observable, Subject } from 'rxjs';

interface User {
  id: string;
  name: string;
}

@Injectable()
class UsersService {
  private readonly users = new Map<string, User>([['42', { id: '42', name: 'Ada' }]]);

  find(id: string): User {
    return this.users.get(id) ?? { id, name: 'unknown' };
  }
}

@Injectable()
class EventsService {
  private readonly clients = new Map<string, Subject<MessageEvent>>();

  get count(): number {
    return this.clients.size;
  }

  /** One client's stream: registered when Nest subscribes, removed when it unsubscribes (client gone). */
  stream(id: string): Observable<MessageEvent> {
    return new Observable<MessageEvent>((subscriber) => {
      const subject = new Subject<MessageEvent>();
      const subscription = subject.subscribe(subscriber);
      this.clients.set(id, subject);
      return () => {
        subscription.unsubscribe();
        if (this.clients.get(id) === subject) this.clients.delete(id);
      };
    });
  }

  broadcast(n: number, size: number, spread: boolean): void {
    const payload = 'x'.repeat(Math.max(0, size - 4));
    let i = 0;
    const one = (): void => {
      i++;
      const event: MessageEvent = { id: String(i), data: i === n ? 'end' : payload };
      for (const subject of this.clients.values()) subject.next(event);
    };
    if (!spread) {
      while (i < n) one();
      return;
    }
    const next = (): void => {
      one();
      if (i < n) setImmediate(next);
    };
    next();
  }
}

@Controller()
class AppController {
  constructor(private readonly users: UsersService) {}

  @Get('hello')
  hello(): { message: string } {
    return { message: 'Hello, world!' };
  }

  @Get('users/:id')
  user(@Param('id') id: string): User {
    return this.users.find(id);
  }
}

@Controller()
class EventsController {
  constructor(private readonly events: EventsService) {}

  @Sse('sse')
  sse(@Query('id') id?: string): Observable<MessageEvent> {
    return this.events.stream(id ?? String(Math.random()));
  }

  @Post('broadcast')
  @HttpCode(202)
  broadcast(@Query('n') n?: string, @Query('size') size?: string, @Query('spread') spread?: string): void {
    this.events.broadcast(Number(n ?? 1), Number(size ?? 64), spread === '1');
  }

  @Get('stats')
  stats(): { connections: number; rss: number } {
    return { connections: this.events.count, rss: process.memoryUsage().rss };
  }
}

@Module({
  controllers: [AppController, EventsController],
  providers: [UsersService, EventsService],
})
class AppModule {}

const port = Number(process.env.PORT ?? 3204);
const app = await NestFactory.create(AppModule, { logger: false });
await app.listen(port, '127.0.0.1');
console.log(`nest listening on ${port}`);
