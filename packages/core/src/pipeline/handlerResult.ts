import { Readable } from 'node:stream';
import { SluiceError, ErrorCodes } from '../errors.js';
import { HttpResponse } from '../http/HttpResponse.js';

/**
 * What a handler's return value is, decided in one place for both ways a result
 * is used: written straight out (`ResponseWriter.writeResult`, the fast path) or
 * turned into an `HttpResponse` first (for `after` handlers). Plain numbers, not
 * objects, so classifying allocates nothing.
 */
export const ResultKind = {
  /** An `HttpResponse`. */
  Response: 0,
  /** `undefined` or `null`: 204. */
  Empty: 1,
  /** A string: `text/plain`. */
  Text: 2,
  /** A `Uint8Array` (or Buffer): `application/octet-stream`. */
  Bytes: 3,
  /** A Node readable: streamed. */
  Stream: 4,
  /** Any other object, a number or a boolean: JSON. */
  Json: 5,
} as const;
export type ResultKind = (typeof ResultKind)[keyof typeof ResultKind];

export const jsonType = 'application/json; charset=utf-8';
export const textType = 'text/plain; charset=utf-8';
export const bytesType = 'application/octet-stream';

/** Classifies a handler's result; throws `SLUICE_INVALID_HANDLER_RESULT` for a function, symbol or bigint. */
export function classifyResult(result: unknown): ResultKind {
  if (result instanceof HttpResponse) return ResultKind.Response;
  if (result === undefined || result === null) return ResultKind.Empty;
  const kind = typeof result;
  if (kind === 'string') return ResultKind.Text;
  if (result instanceof Uint8Array) return ResultKind.Bytes;
  if (result instanceof Readable) return ResultKind.Stream;
  if (kind === 'object' || kind === 'number' || kind === 'boolean') return ResultKind.Json;
  throw new SluiceError(
    ErrorCodes.InvalidHandlerResult,
    `A handler returned a ${kind}; return an HttpResponse, a string, a plain object, or nothing`,
  );
}

/** A handler's result as an `HttpResponse`. */
export function toResponse(result: unknown): HttpResponse {
  switch (classifyResult(result)) {
    case ResultKind.Response:
      return result as HttpResponse;
    case ResultKind.Empty:
      return new HttpResponse(204);
    case ResultKind.Text:
      return HttpResponse.text(result as string);
    case ResultKind.Bytes:
      return new HttpResponse(200, result as Uint8Array, { 'content-type': bytesType });
    case ResultKind.Stream:
      return HttpResponse.stream(result as Readable);
    default:
      return HttpResponse.json(result);
  }
}
