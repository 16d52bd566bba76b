import { STATUS_CODES } from 'node:http';
import type { Logger } from 'pino';
import type { HttpRequest } from '../http/HttpRequest.js';
import { HttpError } from '../http/HttpError.js';
import { RequestValidationError } from '../http/RequestValidationError.js';
import { HttpResponse } from '../http/HttpResponse.js';
import type { ErrorHandler } from '../contracts/handlers.js';
import type { ResponseWriter } from './ResponseWriter.js';
import { lingerAfterResponse } from './lingeringClose.js';
import { closeConnectionAfter } from './connectionHeaders.js';
import { isHttp2Request, isResponseClosed } from '../http/nodeMessages.js';

/**
 * Answers a request that failed: the user's error handler first, else a JSON
 * body shaped as Fastify and NestJS users know it (`statusCode`, `error`,
 * `message`, and `code` when the error has one). A non-HTTP error is a 500 whose
 * body says nothing about the cause; the stack goes to the log only.
 */
export class ErrorResponder {
  readonly #writer: ResponseWriter;
  readonly #logger: Logger | undefined;
  readonly #errorHandler: ErrorHandler | undefined;
  // The code of each error answered, for the access log. Written on error answers
  // only, read only for a status >= 400: the success path never touches it.
  readonly #codes = new WeakMap<HttpRequest, string>();

  constructor(writer: ResponseWriter, logger: Logger | undefined, errorHandler: ErrorHandler | undefined) {
    this.#writer = writer;
    this.#logger = logger;
    this.#errorHandler = errorHandler;
  }

  /** Never rejects: an error while answering an error ends the socket instead. */
  async respond(request: HttpRequest, error: unknown): Promise<void> {
    const res = request.rawResponse;
    if (error instanceof HttpError) {
      if (error.code !== undefined) this.#codes.set(request, error.code);
      if (error.status >= 500) this.#logServerSide(request, error);
    } else {
      this.#logger?.error({ err: error, reqId: request.id, method: request.method, url: request.url }, 'request failed');
    }
    if (res.headersSent || isResponseClosed(res)) {
      const owner = request.responseOwner;
      if (owner !== undefined) {
        // A plugin writes this response (an event stream): what it accepted goes out, then it ends.
        try {
          owner.handlerFailed(error);
          return;
        } catch (ownerError) {
          this.#logger?.error({ err: ownerError, reqId: request.id }, 'the response owner could not end the response');
        }
      }
      // Mid-stream failure: the status is gone already; cut the response so the client sees it broke.
      if (!isResponseClosed(res)) res.destroy(error instanceof Error ? error : undefined);
      return;
    }
    try {
      let response: HttpResponse | undefined;
      if (this.#errorHandler !== undefined) {
        try {
          response = (await this.#errorHandler(error, request)) ?? undefined;
        } catch (handlerError) {
          this.#logger?.error({ err: handlerError, reqId: request.id }, 'the error handler threw');
        }
      }
      if (error instanceof HttpError && error.status === 413) closeAfterTooLarge(request);
      await this.#writer.write(
        request,
        response ?? (error instanceof HttpError ? error.response : undefined) ?? defaultErrorResponse(error),
      );
    } catch (writeError) {
      this.#logger?.error({ err: writeError, reqId: request.id }, 'could not write the error response');
      if (!isResponseClosed(res)) res.destroy();
    }
  }

  /** The `code` of the error this request was answered with, if it had one (for the access log). */
  errorCode(request: HttpRequest): string | undefined {
    return this.#codes.get(request);
  }

  /**
   * A 5xx `HttpError` with a code is a refusal the code expected (too many SSE
   * connections, a request timeout): one warn line with the code, no stack. One
   * without a code was thrown by a handler as a failure: error level, with the stack.
   */
  #logServerSide(request: HttpRequest, error: HttpError): void {
    const logger = this.#logger;
    if (logger === undefined) return;
    const where = { reqId: request.id, method: request.method, url: request.url };
    if (error.code !== undefined) logger.warn({ ...where, status: error.status, code: error.code }, error.message);
    else logger.error({ ...where, err: error }, 'request failed');
  }
}

/**
 * A 413 closes the connection (the rest of the body is not worth reading), with
 * whatever response the error handler shapes; the close lingers so a client still
 * uploading reads the answer instead of a connection reset. On HTTP/2 only the
 * request's stream ends.
 */
function closeAfterTooLarge(request: HttpRequest): void {
  closeConnectionAfter(request);
  // HTTP/2: the stream ends with the answer and node resets its unread request side; the session stays.
  if (isHttp2Request(request.raw)) return;
  if (!request.raw.complete) {
    // Discard the rest as it arrives (body reads pause the stream when they give up).
    request.raw.resume();
    lingerAfterResponse(request.raw.socket);
  }
}

/**
 * The default body for an error: `{ statusCode, error, message[, code] }`; for a
 * request refused by its route's schema, RFC 9457 problem details.
 */
export function defaultErrorResponse(error: unknown): HttpResponse {
  if (error instanceof RequestValidationError) return problemResponse(error);
  if (error instanceof HttpError) {
    const body: Record<string, unknown> = {
      statusCode: error.status,
      error: STATUS_CODES[error.status] ?? 'Error',
      message: error.message,
    };
    if (error.code !== undefined) body.code = error.code;
    const response = HttpResponse.json(body, error.status);
    if (error.headers) for (const [name, value] of Object.entries(error.headers)) response.setHeader(name, value);
    return response;
  }
  return HttpResponse.json({ statusCode: 500, error: 'Internal Server Error', message: 'Internal Server Error' }, 500);
}

/**
 * RFC 9457 problem details. `type` is `about:blank` (the status says it all, so
 * `title` is its reason phrase); the Sluice `code` and the `issues` are
 * extension members. Issues carry a path and a message, never the schema's internals.
 */
function problemResponse(error: RequestValidationError): HttpResponse {
  const body = {
    type: 'about:blank',
    title: STATUS_CODES[error.status] ?? 'Error',
    status: error.status,
    detail: error.message,
    code: error.code,
    issues: error.issues,
  };
  const response = new HttpResponse(error.status, JSON.stringify(body), { 'content-type': 'application/problem+json' });
  if (error.headers) for (const [name, value] of Object.entries(error.headers)) response.setHeader(name, value);
  return response;
}
