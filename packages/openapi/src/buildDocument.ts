import { STATUS_CODES } from 'node:http';
import type { RouteSchemaOptions, StandardSchemaV1 } from '@sluice/core';
import { eventStreamItemSchema } from './eventStreamSchema.js';
import { describeSchema, hoistDefinitions } from './jsonSchema.js';
import type { JsonSchema, OpenApiOptions } from './OpenApiOptions.js';

/** A route as `router.routes()` lists it. */
export interface DescribedRoute {
  readonly method: string;
  readonly path: string;
  readonly name: string;
  readonly options: RouteSchemaOptions | undefined;
}

type Json = Record<string, unknown>;

const documentedMethods = new Set(['GET', 'PUT', 'POST', 'DELETE', 'PATCH']);
// OpenAPI ignores header parameters by these names: they are described elsewhere (content, security).
const reservedHeaders = new Set(['accept', 'content-type', 'authorization']);

/** Error bodies the host answers with, shared by every operation through `components`. */
const sharedSchemas: Record<string, JsonSchema> = {
  ProblemDetails: {
    type: 'object',
    description: "RFC 9457 problem details: a request refused by its route's schema (400) or for its content type (415).",
    required: ['type', 'title', 'status', 'detail', 'code', 'issues'],
    properties: {
      type: { type: 'string', format: 'uri-reference' },
      title: { type: 'string' },
      status: { type: 'integer' },
      detail: { type: 'string' },
      code: { type: 'string', description: 'A stable Sluice code, e.g. SLUICE_VALIDATION_FAILED.' },
      issues: {
        type: 'array',
        items: {
          type: 'object',
          required: ['in', 'path', 'message'],
          properties: {
            in: { enum: ['params', 'query', 'headers', 'body'] },
            path: { type: 'string', description: 'A JSON Pointer into that part of the request.' },
            message: { type: 'string' },
          },
        },
      },
    },
  },
  Error: {
    type: 'object',
    description: 'The body of other error answers.',
    required: ['statusCode', 'error', 'message'],
    properties: { statusCode: { type: 'integer' }, error: { type: 'string' }, message: { type: 'string' }, code: { type: 'string' } },
  },
};

/**
 * The OpenAPI 3.2 document of a host's routes, built once: paths and methods
 * from the routing table, parameters and bodies from the routes' schemas (as
 * JSON Schema), success answers from `schema.response` or an SSE route's
 * `events`, and the error answers the host gives (400/415 problem details, 404, 500).
 */
export function buildDocument(routes: readonly DescribedRoute[], options: OpenApiOptions): Json {
  const components: Record<string, JsonSchema> = { ...sharedSchemas };
  const paths: Record<string, Json> = {};
  const operationIds = new Set<string>();

  for (const route of routes) {
    const described = route.options ?? {};
    if (described.hidden || !documentedMethods.has(route.method)) continue;
    const { template, pathParams } = openApiPath(route.path);
    const schema = described.schema ?? {};
    const operationId = uniqueOperationId(described.operationId ?? operationIdOf(route), operationIds);
    // Converts one part's schema; `part` names it in errors and, if it must move to components, there.
    const convert = (part: string, io: 'input' | 'output', partSchema: StandardSchemaV1): JsonSchema =>
      hoistDefinitions(
        describeSchema(partSchema, io, options.jsonSchema, `${part} of ${route.method} ${route.path} (${route.name})`),
        components,
        `${operationId}_${part}`.replace(/[^\w.-]+/g, '_'),
      );

    const parameters: Json[] = [];
    const paramsSchema = schema.params === undefined ? undefined : convert('params', 'input', schema.params);
    for (const name of pathParams) {
      const property = (paramsSchema?.properties as Record<string, JsonSchema> | undefined)?.[name];
      parameters.push({
        name,
        in: 'path',
        required: true,
        schema: property ?? { type: 'string' },
        ...(name === 'wildcard' ? { description: 'The rest of the path.' } : {}),
      });
    }
    if (schema.query !== undefined) parameters.push(...objectParameters(convert('query', 'input', schema.query), 'query'));
    if (schema.headers !== undefined) {
      parameters.push(
        ...objectParameters(convert('headers', 'input', schema.headers), 'header').filter((p) => !reservedHeaders.has(String(p.name))),
      );
    }

    const operation: Json = {
      operationId,
      ...(described.summary === undefined ? {} : { summary: described.summary }),
      ...(described.description === undefined ? {} : { description: described.description }),
      ...(described.tags === undefined ? tagOf(route.name) : { tags: [...described.tags] }),
      ...(described.deprecated ? { deprecated: true } : {}),
      ...(parameters.length === 0 ? {} : { parameters }),
    };
    if (schema.body !== undefined) {
      const body = convert('body', 'input', schema.body);
      const consumes = described.consumes ?? ['application/json'];
      operation.requestBody = { required: true, content: Object.fromEntries(consumes.map((type) => [type, { schema: body }])) };
    }

    const responses: Json = {};
    for (const [status, responseSchema] of Object.entries(schema.response ?? {})) {
      responses[status] = {
        description: STATUS_CODES[Number(status)] ?? 'Response',
        content: { 'application/json': { schema: convert(`response ${status}`, 'output', responseSchema) } },
      };
    }
    if (described.events !== undefined) {
      const events = Object.entries(described.events).map(([name, data]) => [name, convert(`event ${name}`, 'output', data)] as const);
      responses['200'] = {
        description: 'An event stream (Server-Sent Events); each item is one event.',
        content: { 'text/event-stream': { itemSchema: eventStreamItemSchema(events) } },
      };
    }
    if (Object.keys(responses).length === 0) responses['2XX'] = { description: 'Success' };
    const validates =
      schema.params !== undefined || schema.query !== undefined || schema.headers !== undefined || schema.body !== undefined;
    if (validates) responses['400'] = problem("The request does not match the route's schema, or its JSON is malformed.");
    if (schema.body !== undefined) responses['415'] = problem('The body was sent with a content type the route does not accept.');
    if (pathParams.length > 0) responses['404'] = errorAnswer('Not Found');
    responses['500'] = errorAnswer('Internal Server Error');
    operation.responses = responses;

    paths[template] = { ...paths[template], [route.method.toLowerCase()]: operation };
  }

  return {
    openapi: '3.2.0',
    info: { ...options.info },
    ...(options.servers === undefined ? {} : { servers: options.servers }),
    ...(options.tags === undefined ? {} : { tags: options.tags }),
    paths,
    components: { schemas: components },
  };
}

/** `/users/:id/*` → `/users/{id}/{wildcard}` and its parameter names (Sisk's `<id>` too). */
function openApiPath(path: string): { template: string; pathParams: string[] } {
  const pathParams: string[] = [];
  const template = path
    .split('/')
    .map((segment) => {
      const param = /^:(\w+)$/.exec(segment) ?? /^<(\w+)>$/.exec(segment);
      if (param !== null) {
        pathParams.push(param[1]!);
        return `{${param[1]}}`;
      }
      if (segment === '*') {
        pathParams.push('wildcard');
        return '{wildcard}';
      }
      return segment;
    })
    .join('/');
  return { template: template === '' ? '/' : template, pathParams };
}

/** The properties of an object schema as query or header parameters. */
function objectParameters(schema: JsonSchema, location: 'query' | 'header'): Json[] {
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: location,
    required: required.has(name),
    schema: property,
    ...(typeof property.description === 'string' ? { description: property.description } : {}),
  }));
}

function operationIdOf(route: DescribedRoute): string {
  if (route.name && route.name !== 'anonymous handler' && !route.name.startsWith('static files'))
    return route.name.replace(/[^\w.-]/g, '_');
  const words = route.path.split(/[^A-Za-z0-9]+/).filter(Boolean);
  return route.method.toLowerCase() + words.map((word) => word[0]!.toUpperCase() + word.slice(1)).join('');
}

function uniqueOperationId(id: string, taken: Set<string>): string {
  let unique = id;
  for (let n = 2; taken.has(unique); n++) unique = `${id}_${n}`;
  taken.add(unique);
  return unique;
}

/** A controller's routes are grouped under its class name (`ChatController.post` → `ChatController`). */
function tagOf(name: string): Json {
  const dot = name.indexOf('.');
  return dot > 0 ? { tags: [name.slice(0, dot)] } : {};
}

function problem(description: string): Json {
  return { description, content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDetails' } } } };
}

function errorAnswer(description: string): Json {
  return { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
}
