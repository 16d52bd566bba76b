import 'reflect-metadata';
import { afterEach, describe, expect, it } from '@jest/globals';
import { injectable } from 'inversify';
import { pino } from 'pino';
import { Writable } from 'node:stream';
import * as v from 'valibot';
import { z } from 'zod';
import {
  ErrorCodes,
  HttpErrorCodes,
  HttpResponse,
  HttpServer,
  RouteGet,
  RoutePost,
  RoutePrefix,
  UseHandler,
  type HttpRequest,
  type RouteSchema,
  type ValidatedRequest,
} from '@sluice/core';
import { startHost, thrownBy, type StartedHost } from '../../../../test/support/host.js';

const started: StartedHost[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((host) => host.stop()));
});

/** The same API in two schema libraries: every test below runs against both. */
const libraries: Array<{ name: string; user: RouteSchema; search: RouteSchema; keyed: RouteSchema }> = [
  {
    name: 'zod',
    user: {
      params: z.object({ id: z.coerce.number().int().positive() }),
      body: z.object({ name: z.string().min(1), age: z.number().int().min(0).optional() }),
    },
    search: {
      query: z.object({ q: z.string(), limit: z.coerce.number().int().max(100).default(10), tag: z.array(z.string()).optional() }),
    },
    keyed: { headers: z.object({ 'x-api-key': z.string().min(4) }) },
  },
  {
    name: 'valibot',
    user: {
      params: v.object({ id: v.pipe(v.string(), v.regex(/^[1-9]\d*$/, 'Expected a positive integer'), v.transform(Number)) }),
      body: v.object({ name: v.pipe(v.string(), v.minLength(1)), age: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))) }),
    },
    search: {
      query: v.object({
        q: v.string(),
        limit: v.optional(v.pipe(v.string(), v.transform(Number), v.maxValue(100)), '10'),
        tag: v.optional(v.array(v.string())),
      }),
    },
    keyed: { headers: v.object({ 'x-api-key': v.pipe(v.string(), v.minLength(4)) }) },
  },
];

interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  issues: Array<{ in: string; path: string; message: string }>;
}

async function problemOf(response: Response): Promise<Problem> {
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  return (await response.json()) as Problem;
}

function postJson(url: string, body: unknown, contentType = 'application/json'): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

for (const library of libraries) {
  describe(`validation with ${library.name}`, () => {
    let calls = 0;
    async function start(): Promise<string> {
      calls = 0;
      const builder = HttpServer.createBuilder();
      const host = await startHost(builder);
      started.push(host);
      const { user, search, keyed } = library;
      host.host.router.post(
        '/users/:id',
        (req) => {
          calls++;
          return HttpResponse.json({ params: req.valid.params, body: req.valid.body }, 201);
        },
        { schema: user },
      );
      host.host.router.get(
        '/search',
        (req) => {
          calls++;
          return { query: req.valid.query };
        },
        { schema: search },
      );
      host.host.router.get(
        '/keyed',
        (req) => {
          calls++;
          return { key: (req.valid.headers as Record<string, string>)['x-api-key'] };
        },
        { schema: keyed },
      );
      return host.url;
    }

    it('a valid request reaches the handler with the parsed, transformed values in req.valid', async () => {
      const url = await start();
      const response = await postJson(`${url}/users/42`, { name: 'Ada', age: 36 });
      expect(response.status).toBe(201);
      expect(await response.json()).toEqual({ params: { id: 42 }, body: { name: 'Ada', age: 36 } });

      const found = await fetch(`${url}/search?q=sse&tag=a&tag=b`);
      expect(await found.json()).toEqual({ query: { q: 'sse', limit: library.name === 'zod' ? 10 : 10, tag: ['a', 'b'] } });
      const keyedOk = await fetch(`${url}/keyed`, { headers: { 'x-api-key': 's3cret' } });
      expect(await keyedOk.json()).toEqual({ key: 's3cret' });
      expect(calls).toBe(3);
    });

    it('invalid params, query and headers: 400 problem details listing each issue, and the handler is never called', async () => {
      const url = await start();
      const badParam = await postJson(`${url}/users/abc`, { name: 'Ada' });
      expect(badParam.status).toBe(400);
      const problem = await problemOf(badParam);
      expect(problem).toMatchObject({
        type: 'about:blank',
        title: 'Bad Request',
        status: 400,
        code: HttpErrorCodes.ValidationFailed,
        issues: [{ in: 'params', path: '/id', message: expect.any(String) }],
      });
      expect(problem.detail).toMatch(/schema/);

      const badQuery = await fetch(`${url}/search?limit=500`);
      expect(badQuery.status).toBe(400);
      const paths = (await problemOf(badQuery)).issues.map((issue) => `${issue.in}${issue.path}`).sort();
      expect(paths).toEqual(['query/limit', 'query/q']);

      const badHeader = await fetch(`${url}/keyed`, { headers: { 'x-api-key': 'no' } });
      expect(badHeader.status).toBe(400);
      expect((await problemOf(badHeader)).issues).toEqual([{ in: 'headers', path: '/x-api-key', message: expect.any(String) }]);
      expect(calls).toBe(0);
    });

    it('an invalid body: 400 with every issue of the body and of the params together, paths as JSON Pointers', async () => {
      const url = await start();
      const response = await postJson(`${url}/users/0`, { name: '', age: -1, extra: true });
      expect(response.status).toBe(400);
      const problem = await problemOf(response);
      expect(problem.issues.map((issue) => `${issue.in}${issue.path}`).sort()).toEqual(['body/age', 'body/name', 'params/id']);
      for (const issue of problem.issues) expect(Object.keys(issue).sort()).toEqual(['in', 'message', 'path']);
      expect(calls).toBe(0);
    });

    it('a JSON body sent as text/plain is refused with 415 before it is parsed', async () => {
      const url = await start();
      const response = await postJson(`${url}/users/1`, '{"name":"Ada"}', 'text/plain');
      expect(response.status).toBe(415);
      const problem = await problemOf(response);
      expect(problem).toMatchObject({
        status: 415,
        title: 'Unsupported Media Type',
        code: HttpErrorCodes.UnsupportedMediaType,
        issues: [],
      });
      expect(problem.detail).toContain('application/json');
      expect(calls).toBe(0);
    });

    it('a body without a Content-Type is 415; malformed JSON and an empty JSON body are 400 problem details', async () => {
      const url = await start();
      const untyped = await fetch(`${url}/users/1`, { method: 'POST', body: new Uint8Array(Buffer.from('{"name":"Ada"}')) });
      expect(untyped.status).toBe(415);
      const malformed = await postJson(`${url}/users/1`, '{"name":');
      expect(malformed.status).toBe(400);
      expect((await problemOf(malformed)).code).toBe(HttpErrorCodes.BodyInvalidJson);
      const empty = await postJson(`${url}/users/1`, '');
      expect(empty.status).toBe(400);
      expect((await problemOf(empty)).code).toBe(HttpErrorCodes.BodyInvalidJson);
      const vendorJson = await postJson(`${url}/users/1`, { name: 'Ada' }, 'application/vnd.api+json; charset=utf-8');
      expect(vendorJson.status).toBe(201);
      expect(calls).toBe(1);
    });
  });
}

const createUser = {
  params: z.object({ id: z.coerce.number().int() }),
  body: z.object({ name: z.string().min(1) }),
};
const profileForm = { body: v.object({ name: v.string(), tags: v.optional(v.array(v.string())) }) };

@injectable()
class RequireToken {
  before(req: HttpRequest): HttpResponse | undefined {
    return req.header('authorization') === 'Bearer t' ? undefined : new HttpResponse(401);
  }
}

@RoutePrefix('/api')
@injectable()
class UsersController {
  static created: unknown[] = [];

  @RoutePost('/users/:id', { schema: createUser, summary: 'Create a user' })
  create(req: ValidatedRequest<typeof createUser>): HttpResponse {
    UsersController.created.push({ id: req.valid.params.id, name: req.valid.body.name });
    return HttpResponse.json({ id: req.valid.params.id, name: req.valid.body.name }, 201);
  }

  @RoutePost('/profile', { schema: profileForm, consumes: ['application/x-www-form-urlencoded', 'application/json'] })
  profile(req: ValidatedRequest<typeof profileForm>): unknown {
    return req.valid.body;
  }

  @RoutePost('/guarded/:id', { schema: createUser })
  @UseHandler(RequireToken)
  guarded(req: ValidatedRequest<typeof createUser>): unknown {
    return { id: req.valid.params.id };
  }

  @RouteGet('/plain')
  plain(req: HttpRequest): unknown {
    return { valid: req.valid };
  }
}

describe('validation on controller routes', () => {
  async function start(configure?: (builder: ReturnType<typeof HttpServer.createBuilder>) => void): Promise<string> {
    UsersController.created = [];
    const builder = HttpServer.createBuilder().useControllers(UsersController);
    configure?.(builder);
    const host = await startHost(builder);
    started.push(host);
    return host.url;
  }

  it('@RoutePost(path, { schema }) validates before the method runs, which reads req.valid', async () => {
    const url = await start();
    const ok = await postJson(`${url}/api/users/7`, { name: 'Grace' });
    expect(ok.status).toBe(201);
    expect(await ok.json()).toEqual({ id: 7, name: 'Grace' });
    const bad = await postJson(`${url}/api/users/7`, { name: 3 });
    expect(bad.status).toBe(400);
    expect((await problemOf(bad)).issues).toEqual([{ in: 'body', path: '/name', message: expect.any(String) }]);
    expect(UsersController.created).toEqual([{ id: 7, name: 'Grace' }]);
  });

  it('consumes: a form body is validated as an object (repeated fields as arrays); JSON too when listed', async () => {
    const url = await start();
    const form = await fetch(`${url}/api/profile`, {
      method: 'POST',
      body: new URLSearchParams([
        ['name', 'Ada'],
        ['tags', 'a'],
        ['tags', 'b'],
      ]),
    });
    expect(form.status).toBe(200);
    expect(await form.json()).toEqual({ name: 'Ada', tags: ['a', 'b'] });
    const json = await postJson(`${url}/api/profile`, { name: 'Ada' });
    expect(await json.json()).toEqual({ name: 'Ada' });
    const text = await postJson(`${url}/api/profile`, 'name=Ada', 'text/plain');
    expect(text.status).toBe(415);
    expect((await problemOf(text)).detail).toContain('application/x-www-form-urlencoded or application/json');
  });

  it("request handlers run before validation: an unauthenticated request gets the handler's 401, not a 400", async () => {
    const url = await start();
    expect((await postJson(`${url}/api/guarded/x`, {})).status).toBe(401);
    const authed = await fetch(`${url}/api/guarded/x`, {
      method: 'POST',
      headers: { authorization: 'Bearer t', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(authed.status).toBe(400);
  });

  it('reading req.valid on a route without a schema is a programming error (500, SLUICE_NO_ROUTE_SCHEMA in the log)', async () => {
    const url = await start();
    expect((await fetch(`${url}/api/plain`)).status).toBe(500);
  });

  it('an error handler receives the RequestValidationError with its issues', async () => {
    const url = await start((builder) =>
      builder.useErrorHandler((error) => {
        const issues = (error as { issues?: unknown[] }).issues;
        return issues === undefined ? undefined : HttpResponse.json({ mine: issues.length }, 422);
      }),
    );
    const response = await postJson(`${url}/api/users/x`, {});
    expect(response.status).toBe(422);
    expect(await response.json()).toEqual({ mine: 2 });
  });

  it('the access log carries the code of a refused request', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    const host = HttpServer.createBuilder()
      .useListeningPort(0)
      .useControllers(UsersController)
      .useConfiguration((c) => {
        c.accessLog = true;
        c.logger = pino({ level: 'info' }, sink);
      })
      .build();
    await host.start();
    await postJson(`${host.url}/api/users/1`, { name: 1 });
    await postJson(`${host.url}/api/users/1`, 'x', 'text/plain');
    await host.stop();
    const access = lines.filter((line) => line.msg === 'request').map((line) => [line.status, line.code]);
    expect(access).toEqual([
      [400, HttpErrorCodes.ValidationFailed],
      [415, HttpErrorCodes.UnsupportedMediaType],
    ]);
  });
});

describe('validation: schemas and their edges', () => {
  it('an asynchronous schema (an async refinement) is awaited', async () => {
    const host = await startHost(HttpServer.createBuilder());
    started.push(host);
    const taken = z.object({ name: z.string().refine(async (name) => name !== 'root', 'That name is taken') });
    host.host.router.get('/names/:name', (req) => ({ ok: req.valid.params.name }), { schema: { params: taken } });
    expect(await (await fetch(`${host.url}/names/ada`)).json()).toEqual({ ok: 'ada' });
    const refused = await fetch(`${host.url}/names/root`);
    expect((await problemOf(refused)).issues).toEqual([{ in: 'params', path: '/name', message: 'That name is taken' }]);
  });

  it('an optional body schema accepts a request without a body', async () => {
    const host = await startHost(HttpServer.createBuilder());
    started.push(host);
    host.host.router.post('/ping', (req) => ({ body: req.valid.body ?? null }), {
      schema: { body: z.object({ n: z.number() }).optional() },
    });
    expect(await (await fetch(`${host.url}/ping`, { method: 'POST' })).json()).toEqual({ body: null });
  });

  it('a query name such as __proto__ is an own field of the object the schema sees, never a prototype', async () => {
    const host = await startHost(HttpServer.createBuilder());
    started.push(host);
    // A schema of our own that lets the input through as it is, to look at what the schema is given.
    const seen: Array<Record<string, unknown>> = [];
    const passThrough = {
      '~standard': {
        version: 1 as const,
        vendor: 'test',
        validate: (value: unknown) => {
          seen.push(value as Record<string, unknown>);
          return { value };
        },
      },
    };
    host.host.router.get('/q', () => ({ ok: true }), { schema: { query: passThrough } });
    expect((await fetch(`${host.url}/q?__proto__=x&constructor=y&a=1&a=2`)).status).toBe(200);
    const [query] = seen;
    expect(Object.getPrototypeOf(query)).toBeNull();
    expect(Object.entries(query!)).toEqual([
      ['__proto__', 'x'],
      ['constructor', 'y'],
      ['a', ['1', '2']],
    ]);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('HEAD on a validated GET route is validated too; a multipart form is validated as an object', async () => {
    const host = await startHost(HttpServer.createBuilder());
    started.push(host);
    host.host.router.get('/items/:id', (req) => ({ id: req.valid.params.id }), { schema: { params: z.object({ id: z.string().uuid() }) } });
    host.host.router.post('/upload', (req) => ({ title: req.valid.body.title }), {
      schema: { body: z.object({ title: z.string().min(1) }) },
      consumes: ['multipart/form-data'],
    });
    expect((await fetch(`${host.url}/items/not-a-uuid`, { method: 'HEAD' })).status).toBe(400);
    expect((await fetch(`${host.url}/items/3b241101-e2bb-4255-8caf-4136c566a962`, { method: 'HEAD' })).status).toBe(200);
    const form = new FormData();
    form.set('title', 'Report');
    const uploaded = await fetch(`${host.url}/upload`, { method: 'POST', body: form });
    expect(await uploaded.json()).toEqual({ title: 'Report' });
    const empty = new FormData();
    empty.set('other', 'x');
    const refused = await fetch(`${host.url}/upload`, { method: 'POST', body: empty });
    expect((await problemOf(refused)).issues.map((issue) => `${issue.in}${issue.path}`)).toEqual(['body/title']);
  });

  it('a schema that is not a Standard Schema fails at registration with SLUICE_INVALID_SCHEMA', () => {
    const host = HttpServer.createBuilder().useListeningPort(0).build();
    const error = thrownBy(() => host.router.get('/x', () => 'x', { schema: { query: { parse: () => ({}) } as never } }));
    expect(error).toMatchObject({ code: ErrorCodes.InvalidSchema });
    expect((error as Error).message).toContain('query schema of');
  });
});
