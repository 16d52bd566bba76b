import 'reflect-metadata';
import type { RequestHandlerType } from '../contracts/handlers.js';
import type { RouteSchemaOptions } from '../contracts/RouteSchema.js';

/** One `@Route`-decorated method, as recorded on its class. */
export interface RouteDefinition {
  readonly method: string;
  readonly path: string;
  readonly propertyKey: string | symbol;
  /** Schema and description, from `@RouteGet(path, options)`. */
  readonly options?: RouteSchemaOptions;
}

const routesKey = Symbol.for('sluice:routes');
const prefixKey = Symbol.for('sluice:prefix');
const handlersKey = Symbol.for('sluice:handlers');

type Target = object;

/** Routes declared on a controller class and its base classes. */
export function getRouteDefinitions(controller: Target): readonly RouteDefinition[] {
  return (Reflect.getMetadata(routesKey, controller) as RouteDefinition[] | undefined) ?? [];
}

export function addRouteDefinition(controller: Target, route: RouteDefinition): void {
  // Copy rather than push: the inherited array belongs to the base class.
  const own = (Reflect.getOwnMetadata(routesKey, controller) as RouteDefinition[] | undefined) ?? [...getRouteDefinitions(controller)];
  own.push(route);
  Reflect.defineMetadata(routesKey, own, controller);
}

export function getRoutePrefix(controller: Target): string {
  return (Reflect.getMetadata(prefixKey, controller) as string | undefined) ?? '';
}

export function setRoutePrefix(controller: Target, prefix: string): void {
  Reflect.defineMetadata(prefixKey, prefix, controller);
}

/** Handlers from `@UseHandler` on the class (no key) or one method (its key). */
export function getRequestHandlers(controller: Target, propertyKey?: string | symbol): readonly RequestHandlerType[] {
  const found =
    propertyKey === undefined
      ? (Reflect.getMetadata(handlersKey, controller) as RequestHandlerType[] | undefined)
      : (Reflect.getMetadata(handlersKey, controller, propertyKey) as RequestHandlerType[] | undefined);
  return found ?? [];
}

export function addRequestHandlers(controller: Target, handlers: readonly RequestHandlerType[], propertyKey?: string | symbol): void {
  const existing = getRequestHandlers(controller, propertyKey);
  // Decorators apply bottom-up; prepend so the handler written first runs first.
  const merged = [...handlers, ...existing];
  if (propertyKey === undefined) Reflect.defineMetadata(handlersKey, merged, controller);
  else Reflect.defineMetadata(handlersKey, merged, controller, propertyKey);
}
