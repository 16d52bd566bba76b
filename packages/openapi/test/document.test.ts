import 'reflect-metadata';
import { afterEach, describe, expect, it } from '@jest/globals';
import { injectable } from 'inversify';
import { validate } from '@scalar/openapi-parser';
import { toJsonSchema, toStandardJsonSchema } from '@valibot/to-json-schema';
import * as v from 'valibot';
import { z } from 'zod';
import {
  HttpServer,
  RouteDelete,
  RouteGet,
  RoutePost,
  RoutePrefix,
  type HttpHost,
  type HttpServerBuilder,
  type ValidatedRequest,
} from '@sluice/core';
import { openApi, OpenApiErrorCodes, type OpenApiOptions } from '@sluice/openapi';

type Json = Record<string, unknown>;
const info = { title: 'Test API', version: '1.2.3' };
const hosts: HttpHost[] = [];
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((host) => host.stop()));
});

/** Builds a host with the plugin and returns the document it built (and checks it against the OpenAPI 3.2 schema). */
async function documentOf(
  configure: (builder: HttpServerBuilder) => HttpServerBuilder,
  options: Partial<OpenApiOptions> = {},
): Promise<Json> {
  const plugin = openApi({ info, ...options });
  const host = configure(
    HttpServer.createBuilder()
      .useListeningPort(0)
      .useConfiguration((c) => void (c.logger = false)),
  )
    .usePlugin(plugin)
    .build();
  const document = plugin.document();
  const result = await validate(JSON.stringify(document));
  expect({ errors: result.errors, version: result.version }).toEqual({ errors: [], version: '3.2' });
  hosts.push(host);
  return document;
}

function operation(document: Json, path: string, method: string): Json {
  const item = (document.paths as Record<string, Json | undefined>)[path];
  if (item?.[method] === undefined) throw new Error(`no ${method} ${path} in ${JSON.stringify(Object.keys(document.paths as Json))}`);
  return item[method] as Json;
}

const User = z.object({ id: z.number().int(), name: z.string() });
const createUser = {
  params: z.object({ org: z.string().min(2) }),
  query: z.object({ dryRun: z.enum(['yes', 'no']).optional(), tag: z.array(z.string()).optional() }),
  headers: z.object({ 'x-request-id': z.string().optional(), authorization: z.string() }),
  body: z.object({ name: z.string().min(1).describe('The display name') }),
  response: { 201: User },
};

@RoutePrefix('/orgs/:org/users')
@injectable()
class UsersController {
  @RoutePost('/', { schema: createUser, summary: 'Create a user', tags: ['users'] })
  create(req: ValidatedRequest<typeof createUser>): unknown {
    return { id: 1, name: req.valid.body.name };
  }

  @RouteGet('/<id>', { operationId: 'getUser', deprecated: true })
  get(): unknown {
    return null;
  }

  @RouteDelete('/:id', { hidden: true })
  remove(): void {}
}

describe('the OpenAPI document', () => {
  it('describes controller routes: paths with {params}, parameters by location, the body, the responses and the errors', async () => {
    const document = await documentOf((b) => b.useControllers(UsersController));
    expect(document).toMatchObject({ openapi: '3.2.0', info });
    expect(Object.keys(document.paths as Json)).toEqual(['/orgs/{org}/users', '/orgs/{org}/users/{id}']);

    const create = operation(document, '/orgs/{org}/users', 'post');
    expect(create).toMatchObject({ operationId: 'UsersController.create', summary: 'Create a user', tags: ['users'] });
    expect(create.parameters).toEqual([
      { name: 'org', in: 'path', required: true, schema: { type: 'string', minLength: 2 } },
      { name: 'dryRun', in: 'query', required: false, schema: { type: 'string', enum: ['yes', 'no'] } },
      { name: 'tag', in: 'query', required: false, schema: { type: 'array', items: { type: 'string' } } },
      // Authorization is left out: OpenAPI describes it with security schemes, not as a parameter.
      { name: 'x-request-id', in: 'header', required: false, schema: { type: 'string' } },
    ]);
    expect(create.requestBody).toEqual({
      required: true,
      content: {
        'application/json': {
          schema: {
            type: 'object',
            properties: { name: { type: 'string', minLength: 1, description: 'The display name' } },
            required: ['name'],
          },
        },
      },
    });
    const responses = create.responses as Record<string, Json>;
    expect(Object.keys(responses).sort()).toEqual(['201', '400', '404', '415', '500']);
    expect(responses['201']).toMatchObject({
      description: 'Created',
      content: { 'application/json': { schema: { type: 'object', required: ['id', 'name'] } } },
    });
    expect(responses['415']!.content).toEqual({ 'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDetails' } } });

    const get = operation(document, '/orgs/{org}/users/{id}', 'get');
    expect(get).toMatchObject({ operationId: 'getUser', deprecated: true, tags: ['UsersController'] });
    expect(get.parameters).toEqual([
      { name: 'org', in: 'path', required: true, schema: { type: 'string' } },
      { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
    ]);
    // No schema: a success of some 2xx, 404 for the path's parameters, 500; no 400.
    expect(Object.keys(get.responses as Json).sort()).toEqual(['2XX', '404', '500']);
    expect((document.paths as Json)['/orgs/{org}/users/{id}']).not.toHaveProperty('delete');
  });

  it('describes an SSE route as text/event-stream with an itemSchema: one oneOf branch per event, JSON data as contentSchema', async () => {
    const events = { message: z.string(), tick: z.object({ n: z.number().int() }) };
    const withStream = await documentOf((b) =>
      b.usePlugin({ name: 'routes', register: (context) => context.router.get('/ticks', () => undefined, { events, name: 'ticks' }) }),
    );
    const content = (operation(withStream, '/ticks', 'get').responses as Record<string, Json>)['200']!.content as Json as Record<
      string,
      Json
    >;
    expect(content['text/event-stream']!.itemSchema).toEqual({
      type: 'object',
      required: ['data'],
      properties: { event: { type: 'string' }, data: { type: 'string' }, id: { type: 'string' }, retry: { type: 'integer', minimum: 0 } },
      oneOf: [
        { title: 'message', properties: { event: { const: 'message' }, data: { type: 'string' } } },
        {
          title: 'tick',
          required: ['event'],
          properties: {
            event: { const: 'tick' },
            data: {
              type: 'string',
              contentMediaType: 'application/json',
              contentSchema: {
                type: 'object',
                properties: { n: { type: 'integer', minimum: -9007199254740991, maximum: 9007199254740991 } },
                required: ['n'],
                additionalProperties: false,
              },
            },
          },
        },
      ],
    });
  });

  it('valibot: through a converter option, or a schema wrapped with toStandardJsonSchema', async () => {
    const body = v.object({ title: v.pipe(v.string(), v.maxLength(80)) });
    const withConverter = await documentOf(
      (b) => b.usePlugin({ name: 'r', register: (c) => c.router.post('/notes', () => 'ok', { schema: { body } }) }),
      {
        jsonSchema: (schema) => toJsonSchema(schema as v.GenericSchema),
      },
    );
    const expected = { type: 'object', properties: { title: { type: 'string', maxLength: 80 } }, required: ['title'] };
    expect((operation(withConverter, '/notes', 'post').requestBody as Json).content).toEqual({ 'application/json': { schema: expected } });

    const wrapped = toStandardJsonSchema(body);
    const standard = await documentOf((b) =>
      b.usePlugin({ name: 'r', register: (c) => c.router.post('/notes', () => 'ok', { schema: { body: wrapped } }) }),
    );
    expect((operation(standard, '/notes', 'post').requestBody as Json).content).toEqual({ 'application/json': { schema: expected } });
  });

  it('a schema that cannot describe itself, without a converter, fails build() naming the route and the fix', () => {
    const body = v.object({ title: v.string() });
    const builder = HttpServer.createBuilder()
      .usePlugin({ name: 'r', register: (c) => c.router.post('/notes', function createNote() {}, { schema: { body } }) })
      .usePlugin(openApi({ info }));
    expect(() => builder.build()).toThrow(
      expect.objectContaining({
        code: OpenApiErrorCodes.NoJsonSchema,
        message: expect.stringMatching(/body of POST \/notes \(createNote\).*valibot.*@valibot\/to-json-schema/s),
      }),
    );
  });

  it('recursive schemas: definitions move to components.schemas and references point there', async () => {
    const Category: z.ZodType<{ name: string; children: unknown[] }> = z.object({
      name: z.string(),
      get children() {
        return z.array(Category);
      },
    });
    const document = await documentOf((b) =>
      b.usePlugin({
        name: 'r',
        register: (c) => {
          c.router.post('/categories', () => 'ok', { schema: { body: Category }, name: 'createCategory' });
          c.router.post('/trees', () => 'ok', { schema: { body: z.object({ root: Category }) }, name: 'createTree' });
        },
      }),
    );
    const schemas = (document.components as Record<string, Json>).schemas!;
    expect((operation(document, '/categories', 'post').requestBody as Json).content).toEqual({
      'application/json': { schema: { $ref: '#/components/schemas/createCategory_body' } },
    });
    expect(JSON.stringify(schemas.createCategory_body)).toContain('"$ref":"#/components/schemas/createCategory_body"');
    expect(JSON.stringify(document)).not.toMatch(/"\$ref":"#(\/\$defs\/[^"]*)?"/);
  });

  it('is served at path as JSON, built once; the plugin routes and static files stay out of it', async () => {
    const plugin = openApi({ info, path: '/api.json' });
    const host = HttpServer.createBuilder()
      .useListeningPort(0)
      .useConfiguration((c) => void (c.logger = false))
      .useStaticFiles('/', import.meta.dirname ?? '.')
      .usePlugin(plugin)
      .build();
    hosts.push(host);
    host.router.get('/later', () => 'added after build()');
    await host.start();
    const response = await fetch(`${host.url}/api.json`);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const served = (await response.json()) as Json;
    expect(served).toEqual(plugin.document());
    expect(served.paths).toEqual({});
  });

  it('refuses paths that do not start with /', () => {
    expect(() => openApi({ info, path: 'openapi.json' })).toThrow(expect.objectContaining({ code: OpenApiErrorCodes.InvalidOptions }));
    expect(() => openApi({ info, path: false, docsPath: '/docs' })).toThrow(
      expect.objectContaining({ code: OpenApiErrorCodes.InvalidOptions }),
    );
  });
});
