import { RouteMethod } from '../routing/RouteMethod.js';
import type { RequestHandlerType } from '../contracts/handlers.js';
import type { EventSchemas, RouteSchema, RouteSchemaOptions } from '../contracts/RouteSchema.js';
import { addRequestHandlers, addRouteDefinition, setRoutePrefix } from './metadata.js';

/**
 * Maps a controller method to `method` + `path`. Paths take static segments,
 * `:name` (or Sisk's `<name>`) parameters and a trailing `*` wildcard.
 *
 * `options` may give the route a `schema` (validated before the method runs; type
 * the parameter `ValidatedRequest<typeof schema>`), the `events` of a stream, and
 * a description for API documents.
 *
 * ```ts
 * @Route(RouteMethod.Get, '/users/:id') get(req: HttpRequest) { ... }
 * ```
 */
export function Route<S extends RouteSchema = RouteSchema, E extends EventSchemas = EventSchemas>(
  method: RouteMethod | `${RouteMethod}`,
  path: string,
  options?: RouteSchemaOptions<S, E>,
): MethodDecorator {
  return (target, propertyKey) => {
    addRouteDefinition(target.constructor, options === undefined ? { method, path, propertyKey } : { method, path, propertyKey, options });
  };
}

/** `@Route(RouteMethod.Get, path, options)`; also answers HEAD. */
export const RouteGet = (path = '/', options?: RouteSchemaOptions): MethodDecorator => Route(RouteMethod.Get, path, options);
/** `@Route(RouteMethod.Post, path, options)`. */
export const RoutePost = (path = '/', options?: RouteSchemaOptions): MethodDecorator => Route(RouteMethod.Post, path, options);
/** `@Route(RouteMethod.Put, path, options)`. */
export const RoutePut = (path = '/', options?: RouteSchemaOptions): MethodDecorator => Route(RouteMethod.Put, path, options);
/** `@Route(RouteMethod.Patch, path, options)`. */
export const RoutePatch = (path = '/', options?: RouteSchemaOptions): MethodDecorator => Route(RouteMethod.Patch, path, options);
/** `@Route(RouteMethod.Delete, path, options)`. */
export const RouteDelete = (path = '/', options?: RouteSchemaOptions): MethodDecorator => Route(RouteMethod.Delete, path, options);

/** Prefixes every route of a controller class: `@RoutePrefix('/events')`. */
export function RoutePrefix(prefix: string): ClassDecorator {
  return (target) => {
    setRoutePrefix(target, prefix);
  };
}

/**
 * Runs request handlers around every route of a class, or around one method.
 * Class handlers run before method handlers; within one decorator, in the order written.
 */
export function UseHandler(...handlers: RequestHandlerType[]): ClassDecorator & MethodDecorator {
  return ((target: object, propertyKey?: string | symbol) => {
    if (propertyKey === undefined) addRequestHandlers(target, handlers);
    else addRequestHandlers((target as { constructor: object }).constructor, handlers, propertyKey);
  }) as ClassDecorator & MethodDecorator;
}
