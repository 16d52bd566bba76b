import type { Container, Newable } from 'inversify';
import { SluiceError, ErrorCodes } from '../errors.js';
import type { CompiledRoute, RouteCompiler, RouteSpec } from '../contracts/CompiledRoute.js';
import type { RequestHandler, RequestHandlerType } from '../contracts/handlers.js';
import { withValidation } from './validation.js';

/**
 * The one place where a route's handler chain is assembled, at registration
 * (never per request): the host's handlers (`useHandlers`) outermost, then the
 * route's own (class-level before method-level for controllers), each list split
 * into the `before`s in order and the `after`s in reverse (onion order).
 * Handler classes are resolved from the host's container once and shared.
 */
export class RouteChainCompiler implements RouteCompiler {
  readonly #container: Container;
  readonly #resolved = new Map<Newable<RequestHandler>, RequestHandler>();
  readonly #hostBefore: readonly RequestHandler[];
  readonly #hostAfter: readonly RequestHandler[];

  constructor(container: Container, hostHandlers: readonly RequestHandlerType[]) {
    this.#container = container;
    const host = this.#resolve(hostHandlers);
    this.#hostBefore = host.filter(hasBefore);
    this.#hostAfter = host.filter(hasAfter).reverse();
  }

  compile(spec: RouteSpec): CompiledRoute {
    const own = this.#resolve(spec.handlers ?? []);
    return {
      method: spec.method,
      path: spec.path,
      name: spec.name,
      // A schema's checks wrap the route's function; without one it is left as it is.
      invoke: withValidation(spec.invoke, spec.options, spec.name),
      before: [...this.#hostBefore, ...own.filter(hasBefore), ...(spec.before ?? [])],
      after: [...(spec.after ?? []), ...own.filter(hasAfter).reverse(), ...this.#hostAfter],
      options: spec.options,
    };
  }

  #resolve(types: readonly RequestHandlerType[]): RequestHandler[] {
    return types.map((type) => {
      if (typeof type !== 'function') return type;
      let handler = this.#resolved.get(type);
      if (handler === undefined) {
        const container = this.#container;
        try {
          if (!container.isBound(type)) container.bind(type).toSelf().inSingletonScope();
          handler = container.get<RequestHandler>(type);
        } catch (error) {
          throw new SluiceError(
            ErrorCodes.UnresolvedDependency,
            `Cannot create request handler ${type.name}: ${(error as Error).message}`,
            {
              cause: error,
            },
          );
        }
        this.#resolved.set(type, handler);
      }
      return handler;
    });
  }
}

function hasBefore(handler: RequestHandler): boolean {
  return typeof handler.before === 'function';
}

function hasAfter(handler: RequestHandler): boolean {
  return typeof handler.after === 'function';
}
