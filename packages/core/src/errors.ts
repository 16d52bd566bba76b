/**
 * Errors thrown by the framework itself (misconfiguration, misuse). Each has a
 * stable `code` users can search for; the message names the cause and the fix.
 * Errors meant for HTTP clients are {@link HttpError}s instead.
 */
export class SluiceError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SluiceError';
    this.code = code;
  }
}

/** Stable codes of the errors `@sluice/core` throws. */
export const ErrorCodes = {
  /** Two routes share a method and a path shape. */
  RouteConflict: 'SLUICE_ROUTE_CONFLICT',
  /** A route path pattern cannot be parsed. */
  RouteInvalidPath: 'SLUICE_ROUTE_INVALID_PATH',
  /** A controller or request handler cannot be resolved from the container. */
  UnresolvedDependency: 'SLUICE_UNRESOLVED_DEPENDENCY',
  /** A class passed to `useControllers` has no routes. */
  ControllerWithoutRoutes: 'SLUICE_CONTROLLER_WITHOUT_ROUTES',
  /** `start()` on a stopped host, `host.url`/`host.port` before `start()`, or `build()` twice. */
  HostState: 'SLUICE_HOST_STATE',
  /** A plugin tried to decorate the request with a name already taken. */
  RequestDecoratorConflict: 'SLUICE_REQUEST_DECORATOR_CONFLICT',
  /** The body of a request was read after it had been consumed as a stream. */
  BodyConsumed: 'SLUICE_BODY_CONSUMED',
  /** An invalid configuration value. */
  InvalidConfiguration: 'SLUICE_INVALID_CONFIGURATION',
  /** A handler returned a value that cannot be turned into a response. */
  InvalidHandlerResult: 'SLUICE_INVALID_HANDLER_RESULT',
  /** A route's `schema` holds something that is not a Standard Schema (zod, valibot, arktype...). */
  InvalidSchema: 'SLUICE_INVALID_SCHEMA',
  /** `req.valid` was read on a route without a `schema`. */
  NoRouteSchema: 'SLUICE_NO_ROUTE_SCHEMA',
} as const;

/** Stable `code`s in the JSON body of the error responses `@sluice/core` sends to clients. */
export const HttpErrorCodes = {
  /** 404: no route matches the path. */
  NotFound: 'SLUICE_NOT_FOUND',
  /** 400: the path holds a malformed percent-escape, or a route parameter decodes to a NUL byte (`%00`). */
  BadPath: 'SLUICE_BAD_PATH',
  /** 413: the body passed `maxBodySize`. */
  BodyTooLarge: 'SLUICE_BODY_TOO_LARGE',
  /** 400: the client went away (or failed) mid-body. */
  BodyAborted: 'SLUICE_BODY_ABORTED',
  /** 400: `json()` on a body that is empty or not JSON. */
  BodyInvalidJson: 'SLUICE_BODY_INVALID_JSON',
  /** 415: `form()` on a body that is not a form. */
  BodyNotForm: 'SLUICE_BODY_NOT_FORM',
  /** 400: a malformed form body. */
  BodyInvalidForm: 'SLUICE_BODY_INVALID_FORM',
  /** 503: the handler did not answer within `requestTimeout` (the connection is then closed). */
  RequestTimeout: 'SLUICE_REQUEST_TIMEOUT',
  /** 408: the request body had not fully arrived within `requestTimeout` (the connection is then closed). */
  BodyTimeout: 'SLUICE_BODY_TIMEOUT',
  /** 400: the request does not match its route's schema (an `application/problem+json` body lists the issues). */
  ValidationFailed: 'SLUICE_VALIDATION_FAILED',
  /** 415: a validated route's body came with a content type the route does not accept. */
  UnsupportedMediaType: 'SLUICE_UNSUPPORTED_MEDIA_TYPE',
  /** 400: a static-file path with NUL or a malformed escape. */
  StaticBadPath: 'SLUICE_STATIC_BAD_PATH',
  /** 403: a static-file path that tries to leave its root. */
  StaticForbidden: 'SLUICE_STATIC_FORBIDDEN',
} as const;
