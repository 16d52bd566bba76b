import type { Container } from 'inversify';
import { SluiceError, ErrorCodes } from '../errors.js';
import type { HttpRequest } from '../http/HttpRequest.js';
import type { ControllerClass } from '../contracts/ControllerClass.js';
import { getRequestHandlers, getRouteDefinitions, getRoutePrefix } from '../decorators/metadata.js';
import { joinRoutePaths } from '../routing/parseRoutePath.js';
import type { Router } from '../routing/Router.js';

type RouteMethodFn = (this: object, request: HttpRequest) => unknown;

/**
 * Adds a controller's routes to the router. The controller is resolved from the
 * container here, once: an unbound controller is bound as a singleton; one the
 * user bound in transient or request scope is detected (two resolutions give
 * two instances) and resolved per request instead.
 */
export function compileController(controller: ControllerClass, container: Container, router: Router): void {
  const name = controller.name || 'anonymous controller';
  const definitions = getRouteDefinitions(controller);
  if (definitions.length === 0) {
    throw new SluiceError(
      ErrorCodes.ControllerWithoutRoutes,
      `${name} was passed to useControllers() but has no routes: decorate its methods with @RouteGet('/path') (or @Route, @RoutePost...).`,
    );
  }
  const boundByUser = container.isBound(controller);
  // inversify 8 checks constructor metadata already at bind(): a class whose
  // constructor takes services but lacks @injectable() (or @inject) fails there.
  if (!boundByUser) resolve(name, () => container.bind(controller).toSelf().inSingletonScope());
  const instance: object = resolve(name, () => container.get<object>(controller));
  const perRequest = boundByUser && resolve(name, () => container.get<object>(controller)) !== instance;

  const prefix = getRoutePrefix(controller);
  const classHandlers = getRequestHandlers(controller);
  for (const definition of definitions) {
    const key = definition.propertyKey;
    const method = (controller.prototype as Record<string | symbol, unknown>)[key];
    const routeName = `${name}.${String(key)}`;
    if (typeof method !== 'function') {
      throw new SluiceError(ErrorCodes.InvalidConfiguration, `${routeName} is decorated as a route but is not a method.`);
    }
    const fn = method as RouteMethodFn;
    // Singletons: one bound function, no container work per request.
    const invoke = perRequest ? (request: HttpRequest) => fn.call(container.get<object>(controller), request) : fn.bind(instance);
    router.add({
      method: definition.method,
      path: joinRoutePaths(prefix, definition.path),
      name: routeName,
      invoke,
      handlers: [...classHandlers, ...getRequestHandlers(controller, key)],
      options: definition.options,
    });
  }
}

function resolve<T>(name: string, step: () => T): T {
  try {
    return step();
  } catch (error) {
    throw new SluiceError(
      ErrorCodes.UnresolvedDependency,
      `Cannot create controller ${name}: ${(error as Error).message}\n` +
        `Is it decorated with @injectable(), and is every service it injects bound? Bind them with ` +
        `useServices(c => c.bind(Service).toSelf().inSingletonScope()).`,
      { cause: error },
    );
  }
}
