import { STATUS_CODES } from 'node:http';
import type { HttpResponse } from './HttpResponse.js';

/**
 * An error that becomes an HTTP response: throw `new HttpError(404, 'No such user')`
 * from a handler and the client gets a 404 with that message as its JSON body.
 * Any other exception becomes a generic 500 (its stack goes to the log only).
 */
export class HttpError extends Error {
  readonly status: number;
  /** Extra response headers, e.g. `Allow` on a 405 or `Retry-After` on a 429/503. */
  readonly headers: Record<string, string> | undefined;
  /** A stable code for the client to branch on, e.g. `SLUICE_BODY_TOO_LARGE`. */
  readonly code: string | undefined;
  /**
   * The answer to send instead of the default JSON error body (a user error
   * handler still comes first). The error is logged and counted as this status
   * and code; the client gets this response.
   */
  readonly response: HttpResponse | undefined;

  constructor(
    status: number,
    message?: string,
    options?: { headers?: Record<string, string>; code?: string; cause?: unknown; response?: HttpResponse },
  ) {
    if (!Number.isInteger(status) || status < 400 || status > 599) {
      throw new RangeError(`HttpError status must be an integer from 400 to 599, got ${status}`);
    }
    super(message ?? STATUS_CODES[status] ?? 'Error', options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HttpError';
    this.status = status;
    this.headers = options?.headers;
    this.code = options?.code;
    this.response = options?.response;
  }
}
