import { HttpErrorCodes } from '../errors.js';
import { bodyCutShort, requestArrived, type NodeRequest } from './nodeMessages.js';
import { HttpError } from './HttpError.js';

/**
 * Reads a request body into one Buffer, refusing it with 413 as soon as the
 * bytes counted so far pass `limit`, so an oversized upload is never buffered whole.
 * A declared `Content-Length` over the limit is refused before any byte is read.
 */
export function readBody(raw: NodeRequest, limit: number): Promise<Buffer> {
  const declared = raw.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    return Promise.reject(tooLarge(limit));
  }
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let settled = false;
    const finish = (error: Error | undefined): void => {
      if (settled) return;
      settled = true;
      raw.off('data', onData);
      raw.off('end', onEnd);
      raw.off('error', onError);
      raw.off('close', onClose);
      if (error) {
        // Stop reading: what is left of an aborted or oversized body is not worth receiving.
        raw.pause();
        reject(error);
      } else {
        resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received));
      }
    };
    const onData = (chunk: Buffer): void => {
      received += chunk.length;
      if (received > limit) finish(tooLarge(limit));
      else chunks.push(chunk);
    };
    const onEnd = (): void => finish(bodyCutShort(raw) ? aborted() : undefined);
    const onError = (error: Error): void =>
      finish(new HttpError(400, 'The request body could not be read', { code: HttpErrorCodes.BodyAborted, cause: error }));
    const onClose = (): void => {
      if (!requestArrived(raw) || bodyCutShort(raw)) finish(aborted());
    };
    raw.on('data', onData);
    raw.on('end', onEnd);
    raw.on('error', onError);
    raw.on('close', onClose);
    if (requestArrived(raw) && raw.readableEnded) finish(bodyCutShort(raw) ? aborted() : undefined);
  });
}

function aborted(): HttpError {
  return new HttpError(400, 'The client closed the connection before sending the whole body', { code: HttpErrorCodes.BodyAborted });
}

function tooLarge(limit: number): HttpError {
  return new HttpError(413, `The request body is larger than the limit of ${limit} bytes`, { code: HttpErrorCodes.BodyTooLarge });
}
