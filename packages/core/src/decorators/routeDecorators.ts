import { RouteMethod } from '../routing/RouteMethod.js';
import type { RequestHandlerType } from '../contracts/handlers.js';
import { addRequestHandlers, addRouteDefinition, setRoutePrefix } from './metadata.js';

/**
 * Maps a controller method to `method` + `path`. Paths take static segments,
 * `:name` (or Sisk's `<name>`) parameters and a trailing `*` wildcard.
 *
 * ```ts
 * @Route(RouteMethod.Get, '/users/:id') get(req: HttpRequest) { ... }
 * ```
 */
export function Route(method: RouteMethod | `${RouteMethod}`, path: string): MethodDecorator {
  return (target, propertyKey) => {
    addRouteDefinition(target.constructor, { method, path, propertyKey });
  };
}

/** `@Route(RouteMethod.Get, path)`; also answers HEAD. */
export const RouteGet = (path = '/'): MethodDecorator => Route(RouteMethod.Get, path);
/** `@Route(RouteMethod.Post, path)`. */
export const RoutePost = (path = '/'): MethodDecorator => Route(RouteMethod.Post, path);
/** `@Route(RouteMethod.Put, path)`. */
export const RoutePut = (path = '/'): MethodDecorator => Route(RouteMethod.Put, path);
/** `@Route(RouteMethod.Patch, path)`. */
export const RoutePatch = (path = '/'): MethodDecorator => Route(RouteMethod.Patch, path);
/** `@Route(RouteMethod.Delete, path)`. */
export const RouteDelete = (path = '/'): MethodDecorator => Route(RouteMethod.Delete, path);

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
