import type { HttpRequest } from '../http/HttpRequest.js';
import type { InferSchemaOutput, StandardSchemaV1 } from './StandardSchema.js';

/**
 * What a route validates before its handler runs, one Standard Schema (zod,
 * valibot, arktype...) per part of the request. The validated values land in
 * `req.valid`; a request that does not match is answered 400 (415 for a body of
 * the wrong content type) with an `application/problem+json` body, and the
 * handler is never called.
 *
 * - `params`: the route parameters, an object of percent-decoded strings;
 * - `query`: the query string as an object (a name given twice is an array of its values);
 * - `headers`: the request headers, names lower-case;
 * - `body`: the body, parsed by its content type (JSON, or a form when `consumes` allows it);
 * - `response`: the bodies the route answers with, by status (for API documents only).
 */
export interface RouteSchema {
  readonly params?: StandardSchemaV1;
  readonly query?: StandardSchemaV1;
  readonly headers?: StandardSchemaV1;
  readonly body?: StandardSchemaV1;
  readonly response?: Readonly<Record<number, StandardSchemaV1>>;
}

/** The request parts a {@link RouteSchema} can validate. */
export type RequestPart = 'params' | 'query' | 'headers' | 'body';

/** Body media types a validated route can accept. */
export type BodyMediaType = 'application/json' | 'application/x-www-form-urlencoded' | 'multipart/form-data';

/** Schemas of the events a streaming (SSE) route sends, by event name (`message` for events sent without one). */
export type EventSchemas = Readonly<Record<string, StandardSchemaV1>>;

/**
 * Options that describe a route: its schema, and what API documents say about it.
 * Taken by `@RouteGet(path, options)` and friends and by `router.get(path, handler, options)`.
 */
export interface RouteSchemaOptions<S extends RouteSchema = RouteSchema, E extends EventSchemas = EventSchemas> {
  /** Validates the request before the handler (see {@link RouteSchema}). */
  readonly schema?: S;
  /** Body content types accepted when `schema.body` is set; default `['application/json']`. Others get 415. */
  readonly consumes?: readonly BodyMediaType[];
  /**
   * The events of a Server-Sent Events route, by name, for API documents (an
   * OpenAPI `itemSchema`). Type the stream with them: `req.getEventSource<EventsOf<typeof events>>()`.
   */
  readonly events?: E;
  /** A one-line summary for API documents. */
  readonly summary?: string;
  /** A longer description for API documents (CommonMark). */
  readonly description?: string;
  /** Groups in API documents. */
  readonly tags?: readonly string[];
  /** A stable id for API documents and generated clients; default: the route's name. */
  readonly operationId?: string;
  readonly deprecated?: boolean;
  /** Leaves the route out of API documents. */
  readonly hidden?: boolean;
}

/** The parts a schema surely has, and those it may have (a schema typed as the general `RouteSchema`). */
type SureParts<S extends RouteSchema> = {
  [K in RequestPart]-?: K extends keyof S ? (undefined extends S[K] ? never : K) : never;
}[RequestPart];
type MaybeParts<S extends RouteSchema> = {
  [K in RequestPart]-?: K extends keyof S ? (undefined extends S[K] ? K : never) : never;
}[RequestPart];

/** The validated parts of a request whose route has the schema `S`: the parts `S` has, typed from their schemas. */
export type ValidInput<S extends RouteSchema> = {
  readonly [K in SureParts<S>]: S[K] extends StandardSchemaV1 ? InferSchemaOutput<S[K]> : never;
} & {
  readonly [K in MaybeParts<S>]?: unknown;
};

/**
 * The request of a route with the schema `S`, with `req.valid` typed from it
 * (and, with `E`, the route's `events`, `req.getEventSource()` typed from them).
 * Imperative routes get it by inference; a controller method writes it:
 *
 * ```ts
 * const createUser = { params: z.object({ id: z.coerce.number() }), body: z.object({ name: z.string() }) };
 *
 * @RoutePost('/users/:id', { schema: createUser })
 * create(req: ValidatedRequest<typeof createUser>) { return { id: req.valid.params.id, name: req.valid.body.name }; }
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export type ValidatedRequest<S extends RouteSchema, E extends EventSchemas = {}> = RouteEventsTyping<E> &
  HttpRequest & { readonly valid: ValidInput<S> };

/**
 * What a route's `events` add to its request's type: empty in core. `@sluice/sse` fills it in
 * (declaration merging), so that on an imperative route with `events`, `req.getEventSource()` is
 * typed with them without naming the map.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-unused-vars
export interface RouteEventsTyping<E extends EventSchemas> {}

/** The event map of a set of event schemas, for `req.getEventSource<EventsOf<typeof events>>()`. */
export type EventsOf<E extends EventSchemas> = { [K in keyof E]: InferSchemaOutput<E[K]> };
