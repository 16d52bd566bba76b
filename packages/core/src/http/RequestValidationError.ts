import { HttpErrorCodes } from '../errors.js';
import { HttpError } from './HttpError.js';

/** Where an issue was found, and what is wrong, as clients see it. */
export interface ValidationIssue {
  /** The request part: `params`, `query`, `headers` or `body`. */
  readonly in: 'params' | 'query' | 'headers' | 'body';
  /** A JSON Pointer (RFC 6901) into that part: `/items/0/name`; `''` for the part itself. */
  readonly path: string;
  readonly message: string;
}

/**
 * A request refused by its route's schema (400, `SLUICE_VALIDATION_FAILED`) or
 * for its body's content type (415, `SLUICE_UNSUPPORTED_MEDIA_TYPE`). Answered
 * as RFC 9457 problem details (`application/problem+json`) listing `issues`;
 * an error handler (`useErrorHandler`) can shape its own answer from them.
 */
export class RequestValidationError extends HttpError {
  readonly issues: readonly ValidationIssue[];

  constructor(status: number, detail: string, options: { code: string; issues?: readonly ValidationIssue[]; cause?: unknown }) {
    super(status, detail, { code: options.code, cause: options.cause });
    this.name = 'RequestValidationError';
    this.issues = options.issues ?? [];
  }

  /** 400 with the issues a schema found. */
  static failed(issues: readonly ValidationIssue[]): RequestValidationError {
    const count = issues.length === 1 ? '1 issue' : `${issues.length} issues`;
    return new RequestValidationError(400, `The request does not match the route's schema (${count}).`, {
      code: HttpErrorCodes.ValidationFailed,
      issues,
    });
  }
}
