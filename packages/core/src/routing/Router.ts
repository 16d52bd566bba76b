import { SluiceError, ErrorCodes } from '../errors.js';
import type { CompiledRoute, RouteCompiler, RouteSpec } from '../contracts/CompiledRoute.js';
import type { HandlerResult, RequestHandlerType } from '../contracts/handlers.js';
import type { EventSchemas, RouteSchema, RouteSchemaOptions, ValidatedRequest } from '../contracts/RouteSchema.js';
import { RouteMethod } from './RouteMethod.js';
import { RouteConflictError, RouteTree, type RouteLookup } from './RouteTree.js';
import { RoutePathError } from './parseRoutePath.js';

/** Options of an imperative route: its handlers and name, and its schema and description ({@link RouteSchemaOptions}). */
export interface RouteOptions<S extends RouteSchema = RouteSchema, E extends EventSchemas = EventSchemas> extends RouteSchemaOptions<S, E> {
  /** Request handlers around this route (after the host-wide ones). */
  handlers?: readonly RequestHandlerType[];
  /** Name used in errors and diagnostics; defaults to the function's name. */
  name?: string;
}

/** An imperative route's handler; with a schema, `req.valid` is typed from it. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export type ValidatedRouteHandler<S extends RouteSchema = {}, E extends EventSchemas = {}> = (
  request: ValidatedRequest<S, E>,
) => HandlerResult | Promise<HandlerResult>;

/**
 * The host's routing table. Controllers are added at `build()`; imperative
 * routes can be added at any time:
 *
 * ```ts
 * host.router.get('/health', () => ({ ok: true }));
 * host.router.route(RouteMethod.Post, '/echo', async (req) => req.text());
 * host.router.post('/users', (req) => ({ created: req.valid.body.name }), { schema: { body: z.object({ name: z.string() }) } });
 * ```
 */
export class Router {
  readonly #tree = new RouteTree<CompiledRoute>();
  readonly #compiler: RouteCompiler;

  /** Made by the host builder; `compiler` assembles each route's handler chain. */
  constructor(compiler: RouteCompiler) {
    this.#compiler = compiler;
  }

  /** Adds a route; throws `SLUICE_ROUTE_CONFLICT` if the method and path are taken. */
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  route<S extends RouteSchema = {}, E extends EventSchemas = {}>(
    method: RouteMethod | `${RouteMethod}`,
    path: string,
    handler: ValidatedRouteHandler<S, E>,
    options?: RouteOptions<S, E>,
  ): this {
    const { handlers, name, ...described } = options ?? {};
    this.add({
      method,
      path,
      name: name ?? (handler.name || 'anonymous handler'),
      invoke: handler as (request: unknown) => unknown,
      handlers,
      options: options === undefined ? undefined : described,
    });
    return this;
  }

  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  get<S extends RouteSchema = {}, E extends EventSchemas = {}>(
    path: string,
    handler: ValidatedRouteHandler<S, E>,
    options?: RouteOptions<S, E>,
  ): this {
    return this.route(RouteMethod.Get, path, handler, options);
  }
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  post<S extends RouteSchema = {}, E extends EventSchemas = {}>(
    path: string,
    handler: ValidatedRouteHandler<S, E>,
    options?: RouteOptions<S, E>,
  ): this {
    return this.route(RouteMethod.Post, path, handler, options);
  }
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  put<S extends RouteSchema = {}, E extends EventSchemas = {}>(
    path: string,
    handler: ValidatedRouteHandler<S, E>,
    options?: RouteOptions<S, E>,
  ): this {
    return this.route(RouteMethod.Put, path, handler, options);
  }
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  patch<S extends RouteSchema = {}, E extends EventSchemas = {}>(
    path: string,
    handler: ValidatedRouteHandler<S, E>,
    options?: RouteOptions<S, E>,
  ): this {
    return this.route(RouteMethod.Patch, path, handler, options);
  }
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  delete<S extends RouteSchema = {}, E extends EventSchemas = {}>(
    path: string,
    handler: ValidatedRouteHandler<S, E>,
    options?: RouteOptions<S, E>,
  ): this {
    return this.route(RouteMethod.Delete, path, handler, options);
  }

  /**
   * Adds a route (controllers and plugins use this); its handler chain, with
   * the host-wide handlers around the route's own, is assembled here, once.
   */
  add(route: RouteSpec): void {
    const compiled: CompiledRoute = this.#compiler.compile(route);
    try {
      this.#tree.add(compiled.method, compiled.path, compiled);
    } catch (error) {
      if (error instanceof RouteConflictError) {
        const existing = (error as RouteConflictError<CompiledRoute>).existing;
        throw new SluiceError(
          ErrorCodes.RouteConflict,
          `Route ${compiled.method} ${compiled.path} (${compiled.name}) conflicts with ${existing.method} ${existing.path} (${existing.name}): ` +
            'both match the same requests. Change one path or method.',
          { cause: error },
        );
      }
      if (error instanceof RoutePathError) {
        throw new SluiceError(ErrorCodes.RouteInvalidPath, `${error.message} (in ${compiled.name})`, { cause: error });
      }
      throw error;
    }
  }

  /** Finds the route for a request path (percent-encoded, without the query). */
  match(method: string, path: string): RouteLookup<CompiledRoute> {
    return this.#tree.match(method, path);
  }

  /** Methods served at a path (for `OPTIONS` and `Allow`), or undefined when nothing is. */
  allowedMethods(path: string): string[] | undefined {
    return this.#tree.allowedMethods(path);
  }

  /** Every registered route, for diagnostics and API documents (`options`: its schema and description). */
  routes(): Array<{ method: string; path: string; name: string; options: RouteSchemaOptions | undefined }> {
    return this.#tree.routes().map(({ value }) => ({ method: value.method, path: value.path, name: value.name, options: value.options }));
  }
}
