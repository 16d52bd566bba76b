import { SluiceError, ErrorCodes, HttpErrorCodes } from '../errors.js';
import { HttpError } from '../http/HttpError.js';
import { validInputKey, type HttpRequest } from '../http/HttpRequest.js';
import { RequestValidationError, type ValidationIssue } from '../http/RequestValidationError.js';
import type { BodyMediaType, RequestPart, RouteSchemaOptions } from '../contracts/RouteSchema.js';
import type { StandardSchemaIssue, StandardSchemaResult, StandardSchemaV1 } from '../contracts/StandardSchema.js';

type Invoke = (request: HttpRequest) => unknown;
type Validate = StandardSchemaV1['~standard']['validate'];

/** One request part to validate: how to read it from the request, and the schema's `validate`. */
interface PartCheck {
  readonly part: Exclude<RequestPart, 'body'>;
  readonly read: (request: HttpRequest) => unknown;
  readonly validate: Validate;
}

const jsonType = /^application\/(?:[\w.+-]+\+)?json$/;

/**
 * Wraps a route's function with the checks of its `schema`, once, at
 * registration: a route without one keeps its function as it is, so it costs
 * nothing per request. The checks run after the route's `before` handlers
 * (authentication answers first, as NestJS guards do before pipes) and in this
 * order: the body's content type (415, before anything is parsed), then params,
 * query and headers, then the body; the issues of every part are answered
 * together (400). The handler runs only when all pass, with `req.valid` set.
 * When nothing asynchronous is involved (no body, synchronous schemas) no
 * promise is made.
 */
export function withValidation(invoke: Invoke, options: RouteSchemaOptions | undefined, routeName: string): Invoke {
  const schema = options?.schema;
  if (schema === undefined) return invoke;
  const checks: PartCheck[] = [];
  if (schema.params !== undefined)
    checks.push({ part: 'params', read: readParams, validate: validatorOf(schema.params, routeName, 'params') });
  if (schema.query !== undefined) checks.push({ part: 'query', read: readQuery, validate: validatorOf(schema.query, routeName, 'query') });
  if (schema.headers !== undefined)
    checks.push({ part: 'headers', read: readHeaders, validate: validatorOf(schema.headers, routeName, 'headers') });
  if (schema.response !== undefined) {
    for (const [status, responseSchema] of Object.entries(schema.response)) validatorOf(responseSchema, routeName, `response ${status}`);
  }
  const body = schema.body === undefined ? undefined : validatorOf(schema.body, routeName, 'body');
  if (checks.length === 0 && body === undefined) return invoke;
  const consumes: readonly BodyMediaType[] = options?.consumes ?? ['application/json'];

  return (request) => {
    if (body !== undefined) checkContentType(request, consumes);
    const valid: Partial<Record<RequestPart, unknown>> = {};
    const issues: ValidationIssue[] = [];
    let pending: Array<Promise<void>> | undefined;
    for (const check of checks) {
      const result = check.validate(check.read(request));
      if (result instanceof Promise) (pending ??= []).push(result.then((settled) => collect(check.part, settled, valid, issues)));
      else collect(check.part, result, valid, issues);
    }
    if (body === undefined && pending === undefined) {
      if (issues.length > 0) throw RequestValidationError.failed(issues);
      request[validInputKey] = valid;
      return invoke(request);
    }
    return (async () => {
      if (pending !== undefined) await Promise.all(pending);
      if (body !== undefined) collect('body', await body(await readBody(request)), valid, issues);
      if (issues.length > 0) throw RequestValidationError.failed(issues);
      request[validInputKey] = valid;
      return invoke(request);
    })();
  };
}

function validatorOf(schema: StandardSchemaV1, routeName: string, part: string): Validate {
  const standard = (schema as Partial<StandardSchemaV1> | null | undefined)?.['~standard'];
  if (standard === undefined || standard === null || typeof standard.validate !== 'function') {
    throw new SluiceError(
      ErrorCodes.InvalidSchema,
      `The ${part} schema of ${routeName} is not a Standard Schema: pass a zod (3.24+), valibot (1.0+) or arktype schema, or any object with a '~standard' property.`,
    );
  }
  return standard.validate.bind(standard);
}

function collect(
  part: RequestPart,
  result: StandardSchemaResult<unknown>,
  valid: Partial<Record<RequestPart, unknown>>,
  issues: ValidationIssue[],
): void {
  if (result.issues === undefined) valid[part] = result.value;
  else for (const issue of result.issues) issues.push(toIssue(part, issue));
}

/** What clients see of an issue: where and what, never the schema's internals (codes, expected values, the input). */
function toIssue(part: RequestPart, issue: StandardSchemaIssue): ValidationIssue {
  let path = '';
  for (const segment of issue.path ?? []) {
    const key = typeof segment === 'object' && segment !== null ? segment.key : segment;
    path +=
      '/' +
      String(typeof key === 'symbol' ? (key.description ?? '') : key)
        .replace(/~/g, '~0')
        .replace(/\//g, '~1');
  }
  return { in: part, path, message: issue.message };
}

function readParams(request: HttpRequest): unknown {
  return request.params;
}

/** The query as an object: a name given once is a string, given more than once an array (as Fastify and NestJS users know it). */
function readQuery(request: HttpRequest): unknown {
  const query: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
  for (const [name, value] of request.query) {
    const existing = query[name];
    if (existing === undefined) query[name] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else query[name] = [existing, value];
  }
  return query;
}

function readHeaders(request: HttpRequest): unknown {
  return request.headers;
}

function mediaTypeOf(request: HttpRequest): string | undefined {
  const header = request.header('content-type');
  return header === undefined ? undefined : header.split(';', 1)[0]!.trim().toLowerCase();
}

/** 415 unless the body's media type is one the route consumes; checked before a byte of the body is parsed. */
function checkContentType(request: HttpRequest, consumes: readonly BodyMediaType[]): void {
  const type = mediaTypeOf(request);
  // No Content-Type: acceptable only for an empty body, which readBody checks once the body is in.
  if (type === undefined) return;
  const accepted = consumes.some((allowed) => (allowed === 'application/json' ? jsonType.test(type) : type === allowed));
  if (!accepted) throw unsupported(request, consumes);
}

function unsupported(request: HttpRequest, consumes: readonly BodyMediaType[]): RequestValidationError {
  const got = request.header('content-type');
  return new RequestValidationError(
    415,
    `Send the body as ${consumes.join(' or ')} (got ${got === undefined ? 'no Content-Type' : got}).`,
    {
      code: HttpErrorCodes.UnsupportedMediaType,
    },
  );
}

/** The body as the schema sees it: parsed JSON, a form as an object, or `undefined` when there is none. */
async function readBody(request: HttpRequest): Promise<unknown> {
  const type = mediaTypeOf(request);
  if (type === undefined) {
    const bytes = await request.bytes();
    if (bytes.length === 0) return undefined;
    throw new RequestValidationError(415, 'The request has a body but no Content-Type.', { code: HttpErrorCodes.UnsupportedMediaType });
  }
  if (type === 'application/x-www-form-urlencoded' || type === 'multipart/form-data') {
    try {
      return formObject(await request.form());
    } catch (error) {
      if (!(error instanceof HttpError) || error.code !== HttpErrorCodes.BodyInvalidForm) throw error;
      throw new RequestValidationError(400, error.message, { code: error.code, cause: error });
    }
  }
  const text = await request.text();
  if (text.trim() === '') {
    throw new RequestValidationError(400, 'The request body is empty; expected JSON.', { code: HttpErrorCodes.BodyInvalidJson });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new RequestValidationError(400, `The request body is not valid JSON: ${(error as Error).message}`, {
      code: HttpErrorCodes.BodyInvalidJson,
      cause: error,
    });
  }
}

/** Form fields as an object: a name given once is a string (or a `File`), given more than once an array. */
function formObject(form: FormData): Record<string, unknown> {
  const fields: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const [name, value] of form) {
    const existing = fields[name];
    if (existing === undefined) fields[name] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else fields[name] = [existing, value];
  }
  return fields;
}
