/**
 * HTTP methods a route can be registered for. `Any` ('*') matches every
 * method, but only after an exact registration (and the HEAD→GET fallback)
 * failed to match, see {@link RouteTree.match}.
 *
 * The values are the upper-case names node:http reports in `req.method`, so
 * a method string from a request can be compared to them directly.
 */
export enum RouteMethod {
  Get = 'GET',
  Post = 'POST',
  Put = 'PUT',
  Patch = 'PATCH',
  Delete = 'DELETE',
  Head = 'HEAD',
  Options = 'OPTIONS',
  Any = '*',
}
