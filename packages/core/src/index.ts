export { HttpServer } from './builder/HttpServer.js';
export { HttpServerBuilder } from './builder/HttpServerBuilder.js';
export { HttpHost } from './server/HttpHost.js';
export type { HostServer } from './server/NodeServer.js';
export type { Http2Options, Http2TlsOptions, Http2CleartextOptions } from './contracts/Http2Options.js';
export { ServerConfiguration } from './server/ServerConfiguration.js';
export type { CompressionOptions } from './contracts/CompressionOptions.js';

export { HttpRequest, type RequestBag, type ResponseOwner } from './http/HttpRequest.js';
export { isResponseClosed, type NodeRequest, type NodeResponse } from './http/nodeMessages.js';
export { HttpResponse, type ResponseContent, type ResponseFile, type HeaderValue } from './http/HttpResponse.js';
export { HttpError } from './http/HttpError.js';
export { RequestValidationError, type ValidationIssue } from './http/RequestValidationError.js';
export type { CookieOptions } from './http/cookies.js';

export { Router, type RouteOptions, type ValidatedRouteHandler } from './routing/Router.js';
export { RouteMethod } from './routing/RouteMethod.js';

export { Route, RouteGet, RoutePost, RoutePut, RoutePatch, RouteDelete, RoutePrefix, UseHandler } from './decorators/routeDecorators.js';

export type { RequestHandler, RequestHandlerType, RouteHandler, HandlerResult, ErrorHandler } from './contracts/handlers.js';
export type { CorsPolicy } from './contracts/CorsPolicy.js';
export type {
  RouteSchema,
  RouteSchemaOptions,
  RequestPart,
  BodyMediaType,
  EventSchemas,
  EventsOf,
  ValidInput,
  ValidatedRequest,
  RouteEventsTyping,
} from './contracts/RouteSchema.js';
export type {
  StandardSchemaV1,
  StandardSchemaProps,
  StandardSchemaResult,
  StandardSchemaIssue,
  StandardSchemaTypes,
  InferSchemaInput,
  InferSchemaOutput,
  StandardJsonSchemaV1,
  StandardJsonSchemaOptions,
} from './contracts/StandardSchema.js';
export type { StaticFilesOptions } from './static/staticFiles.js';
export type { ControllerClass } from './contracts/ControllerClass.js';

export type { SluicePlugin, PluginContext } from './plugins/SluicePlugin.js';
export { SluiceError, ErrorCodes, HttpErrorCodes } from './errors.js';
export type { InjectOptions, InjectResponse } from './server/inject.js';
