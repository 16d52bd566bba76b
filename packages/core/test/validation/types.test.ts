import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import * as v from 'valibot';
import { z } from 'zod';
import { HttpResponse, HttpServer, RoutePost, type EventsOf, type HttpRequest, type ValidatedRequest } from '@sluice/core';

/**
 * The types a schema gives handlers. This file is type-checked by
 * `tsc -p tsconfig.spec.json --noEmit` (part of `npm test`): every line marked
 * `@ts-expect-error` must be a type error, or the check fails.
 */

const createUser = {
  params: z.object({ id: z.coerce.number().int() }),
  query: z.object({ notify: z.enum(['yes', 'no']).optional() }),
  body: z.object({ name: z.string(), tags: z.array(z.string()) }),
};

const valibotUser = {
  params: v.object({ id: v.pipe(v.string(), v.transform(Number)) }),
  body: v.object({ name: v.string() }),
};

class UsersController {
  @RoutePost('/users/:id', { schema: createUser })
  create(req: ValidatedRequest<typeof createUser>): HttpResponse {
    const id: number = req.valid.params.id;
    const name: string = req.valid.body.name;
    const tags: string[] = req.valid.body.tags;
    const notify: 'yes' | 'no' | undefined = req.valid.query.notify;
    // @ts-expect-error: the body schema has no `email`
    void req.valid.body.email;
    // @ts-expect-error: `id` is a number after z.coerce, not a string
    const asString: string = req.valid.params.id;
    // @ts-expect-error: the schema validates no headers, so req.valid has none
    void req.valid.headers;
    // The request is still a whole HttpRequest.
    const raw: string | undefined = req.params.id;
    return HttpResponse.json({ id, name, tags, notify, asString, raw });
  }

  @RoutePost('/v/:id', { schema: valibotUser })
  createWithValibot(req: ValidatedRequest<typeof valibotUser>): unknown {
    const id: number = req.valid.params.id;
    // @ts-expect-error: the valibot body has no `age`
    void req.valid.body.age;
    return { id };
  }
}

function imperativeRoutes(): void {
  const host = HttpServer.createBuilder().build();
  host.router.post(
    '/users/:id',
    (req) => {
      const id: number = req.valid.params.id;
      // @ts-expect-error: inferred from the options' schema, the body has no `email`
      void req.valid.body.email;
      // @ts-expect-error: `name` is a string
      const n: number = req.valid.body.name;
      return { id, n };
    },
    { schema: createUser },
  );
  host.router.get(
    '/v/:id',
    (req) => {
      // @ts-expect-error: valibot's transform made `id` a number
      const s: string = req.valid.params.id;
      return { s };
    },
    { schema: valibotUser },
  );
  // @ts-expect-error: a schema must be a Standard Schema, not a plain value
  host.router.post('/nope', () => 'x', { schema: { body: 'name: string' } });
  // Without a schema a handler takes a plain HttpRequest, as before.
  host.router.get('/plain', (req: HttpRequest) => req.path);
  host.router.get('/plain2', (req) => {
    // @ts-expect-error: no schema, no req.valid.params
    void req.valid.params;
    return req.path;
  });
}

const chatEvents = { message: z.object({ text: z.string() }), presence: z.object({ members: z.array(z.string()) }) };
type ChatEvents = EventsOf<typeof chatEvents>;
const events: ChatEvents = { message: { text: 'hi' }, presence: { members: [] } };
// @ts-expect-error: a presence event's members are strings
const badEvents: ChatEvents = { message: { text: 'hi' }, presence: { members: [1] } };

describe('schema types', () => {
  it('compile (see tsc -p tsconfig.spec.json); the declarations load', () => {
    expect(typeof UsersController.prototype.create).toBe('function');
    expect(typeof imperativeRoutes).toBe('function');
    expect(events.message.text).toBe('hi');
    expect(badEvents).toBeDefined();
    expect(Object.keys(chatEvents)).toEqual(['message', 'presence']);
  });
});
