import { createReadStream, promises as fsp, type ReadStream, type Stats } from 'node:fs';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { HttpError } from '../http/HttpError.js';
import type { HttpRequest } from '../http/HttpRequest.js';
import { isResponseClosed } from '../http/nodeMessages.js';
import type { HeaderValue, ResponseFile } from '../http/HttpResponse.js';
import { contentTypeFor } from './contentTypes.js';

// Stats already taken by whoever built the ResponseFile (the static files
// handler stats to tell files from directories), so a request costs one stat.
// Keyed by the descriptor object: a different descriptor (an `after` handler
// swapped the content) is stat-ed afresh. Used once, then forgotten.
const knownStats = new WeakMap<ResponseFile, Stats>();

/**
 * Hands `sendFile` the stats of `file` taken just before, so it does not stat
 * the file again. Returns `file`. For the static files handler.
 * @internal
 */
export function withKnownStats(file: ResponseFile, stats: Stats): ResponseFile {
  knownStats.set(file, stats);
  return file;
}

// The ways a path can be missing; other errors (EACCES, EIO...) stay errors (500).
const missingCodes = new Set(['ENOENT', 'ENOTDIR', 'ENAMETOOLONG', 'EISDIR', 'ELOOP']);

/** True for a file-system error meaning "nothing there" (ENOENT and friends). */
export function isMissingFileError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && missingCodes.has((error as NodeJS.ErrnoException).code ?? '');
}

function notFound(cause?: unknown): HttpError {
  return new HttpError(404, 'Not Found', cause === undefined ? undefined : { cause });
}

/**
 * Writes a file from disk as the response, with `Content-Type`, `Content-Length`,
 * `Last-Modified`, a weak `ETag`, `Cache-Control`, and:
 *
 * - conditional GET/HEAD: a matching `If-None-Match` (weak comparison, lists, `*`),
 *   or, without `If-None-Match`, an `If-Modified-Since` not older than the file, gives 304;
 * - one byte range (`Range: bytes=a-b`, `a-`, `-n`) on a 200 gives 206, an
 *   unsatisfiable one a 416 `HttpError` carrying `Content-Range: bytes *\/size`;
 *   several ranges or a malformed header are ignored (the whole file, 200);
 *   `If-Range` (the current ETag or Last-Modified date) is honoured;
 * - HEAD: the same head, no body.
 *
 * `headers` (names lower-case) are merged in and win over the computed ones,
 * except `Content-Length`, which always describes the bytes actually sent.
 * A missing path or one that is not a regular file throws a 404 `HttpError`
 * before anything is written. Once the head is out, a read error (or a file
 * that shrank meanwhile) destroys the response so the client sees the transfer
 * broke; the promise still resolves.
 */
export async function sendFile(
  request: HttpRequest,
  file: ResponseFile,
  status: number,
  headers: Record<string, HeaderValue>,
): Promise<void> {
  let stats = knownStats.get(file);
  if (stats !== undefined) knownStats.delete(file);
  else {
    try {
      stats = await fsp.stat(file.path);
    } catch (error) {
      if (isMissingFileError(error)) throw notFound(error);
      throw error;
    }
  }
  if (!stats.isFile()) throw notFound();

  const size = stats.size;
  const method = request.method;
  const isHead = method === 'HEAD';
  const out = buildHeaders(file, stats, headers);

  if ((method === 'GET' || isHead) && status >= 200 && status < 300 && isNotModified(request, out)) {
    // 304: validators and caching headers only, no body, no content headers.
    for (const name of Object.keys(out)) {
      if (name.startsWith('content-') && name !== 'content-location') delete out[name];
    }
    delete out['accept-ranges'];
    writeHead(request, 304, out);
    request.rawResponse.end();
    return;
  }

  let start = 0;
  let end = size - 1; // inclusive; -1 for an empty file
  if (status === 200 && (method === 'GET' || isHead)) {
    const range = request.header('range');
    if (range !== undefined && rangeStillValid(request.header('if-range'), out)) {
      const parsed = parseRange(range, size);
      if (parsed === 'unsatisfiable') {
        throw new HttpError(416, 'Range Not Satisfiable', { headers: { 'content-range': `bytes */${size}` } });
      }
      if (parsed !== undefined) {
        start = parsed.start;
        end = parsed.end;
        status = 206;
        out['content-range'] = `bytes ${start}-${end}/${size}`;
      }
    }
  }
  const length = end - start + 1;
  out['content-length'] = length;

  const res = request.rawResponse;
  if (isHead || length === 0) {
    writeHead(request, status, out);
    res.end();
    return;
  }

  // Open before writing the head: a file gone since the stat is still a clean 404.
  // `end` bounds the read, so a file that grew meanwhile cannot overrun Content-Length.
  const stream = createReadStream(file.path, { start, end });
  // Errors are handled through opened() and pipeline(); this listener only makes
  // sure one emitted in between can never become an uncaught exception.
  stream.on('error', ignore);
  try {
    await opened(stream);
  } catch (error) {
    stream.destroy();
    if (isMissingFileError(error)) throw notFound(error);
    throw error;
  }
  try {
    writeHead(request, status, out);
  } catch (error) {
    stream.destroy();
    throw error;
  }
  try {
    await pipeline(stream, new ExactLength(length), res);
  } catch {
    // The head is gone: no error response is possible. Cut the connection so the
    // client does not take a truncated body for a complete one.
    stream.destroy();
    if (!isResponseClosed(res)) res.destroy();
  }
}

function ignore(): void {}

function writeHead(request: HttpRequest, status: number, headers: Record<string, HeaderValue>): void {
  request.rawResponse.writeHead(status, headers as Record<string, string | number | string[]>);
}

/** Resolves once the file is open; rejects with the open error (ENOENT...). */
function opened(stream: ReadStream): Promise<void> {
  return new Promise((resolve, reject) => {
    const onReady = (): void => {
      stream.off('error', onError);
      resolve();
    };
    const onError = (error: Error): void => {
      stream.off('ready', onReady);
      reject(error);
    };
    stream.once('ready', onReady);
    stream.once('error', onError);
  });
}

/** Passes bytes through and fails at the end when there were fewer than announced. */
class ExactLength extends Transform {
  #remaining: number;

  constructor(expected: number) {
    super();
    this.#remaining = expected;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#remaining -= chunk.length;
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    callback(this.#remaining === 0 ? null : new Error(`The file changed while it was sent (${this.#remaining} bytes missing)`));
  }
}

function buildHeaders(file: ResponseFile, stats: Stats, given: Record<string, HeaderValue>): Record<string, HeaderValue> {
  const out: Record<string, HeaderValue> = {
    'content-type': file.contentType ?? contentTypeFor(file.path),
    'last-modified': stats.mtime.toUTCString(),
    etag: `W/"${stats.size.toString(16)}-${Math.trunc(stats.mtimeMs).toString(16)}"`,
    'accept-ranges': 'bytes',
    // Revalidate each time (cheap with the ETag) unless the response says otherwise:
    // the static files handler sets its own `maxAge` policy in the headers.
    'cache-control': 'no-cache',
  };
  if (file.downloadName !== undefined) out['content-disposition'] = contentDisposition(file.downloadName);
  for (const name of Object.keys(given)) {
    const key = name.toLowerCase();
    if (key !== 'content-length') out[key] = given[name]!;
  }
  return out;
}

// Lone UTF-16 surrogates would make encodeURIComponent throw.
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * `attachment; filename="<ASCII fallback>"; filename*=UTF-8''<percent-encoded>`
 * (RFC 6266 / RFC 8187). The fallback replaces anything outside printable ASCII
 * (control characters included, so no header injection) with `_` and escapes `\` and `"`.
 */
export function contentDisposition(name: string): string {
  const wellFormed = name.replace(loneSurrogate, '\uFFFD');
  const ascii = wellFormed.replace(/[^\x20-\x7e]/g, '_').replace(/[\\"]/g, '\\$&');
  // encodeURIComponent leaves ' ( ) * unescaped, but RFC 8187's attr-char does not allow them.
  const encoded = encodeURIComponent(wellFormed).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

function headerText(value: HeaderValue | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

// An entity-tag, `W/"..."` or `"..."`, or `*`. The tag itself may contain commas.
const entityTagPattern = /\*|(?:W\/)?"[^"]*"/g;

function opaqueTag(tag: string): string {
  return tag.startsWith('W/') ? tag.slice(2) : tag;
}

/**
 * RFC 9110 §13.2.2 order: If-None-Match when present, else If-Modified-Since.
 * Compared with the headers about to be sent, so a caller's own ETag counts.
 */
function isNotModified(request: HttpRequest, out: Record<string, HeaderValue>): boolean {
  const ifNoneMatch = request.header('if-none-match');
  if (ifNoneMatch !== undefined) {
    const etag = headerText(out['etag']);
    const tags = ifNoneMatch.match(entityTagPattern);
    if (tags === null) return false;
    for (const tag of tags) {
      // `*` matches any current representation: the file exists.
      if (tag === '*') return true;
      // Weak comparison: W/ prefixes do not matter.
      if (etag !== undefined && opaqueTag(tag) === opaqueTag(etag)) return true;
    }
    return false;
  }
  const ifModifiedSince = request.header('if-modified-since');
  if (ifModifiedSince !== undefined) {
    const since = Date.parse(ifModifiedSince);
    const lastModified = Date.parse(headerText(out['last-modified']) ?? '');
    // HTTP dates have whole seconds, as does the Last-Modified we send.
    return !Number.isNaN(since) && !Number.isNaN(lastModified) && lastModified <= since;
  }
  return false;
}

/**
 * If-Range: the range applies only when the validator still describes the
 * file. A tag must equal the current ETag exactly (our ETag is weak by format
 * but built from size and mtime, so an exact match is as reliable as our 304s;
 * a strict RFC reading would never honour it); a date must equal Last-Modified.
 */
function rangeStillValid(ifRange: string | undefined, out: Record<string, HeaderValue>): boolean {
  if (ifRange === undefined) return true;
  const value = ifRange.trim();
  if (value.startsWith('"') || value.startsWith('W/"')) return value === headerText(out['etag']);
  const date = Date.parse(value);
  const lastModified = Date.parse(headerText(out['last-modified']) ?? '');
  return !Number.isNaN(date) && date === lastModified;
}

const rangePattern = /^bytes[ \t]*=[ \t]*(\d*)[ \t]*-[ \t]*(\d*)[ \t]*$/i;

/**
 * One byte range, inclusive, clamped to the file; 'unsatisfiable' when it
 * starts past the end (or is `-0`, or the file is empty); undefined for a
 * header to ignore (not bytes, several ranges, malformed, last < first).
 */
export function parseRange(header: string, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  const match = rangePattern.exec(header);
  if (match === null) return undefined;
  const first = match[1]!;
  const last = match[2]!;
  if (first === '') {
    if (last === '') return undefined;
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  if (last !== '') {
    const requestedEnd = Number(last);
    if (requestedEnd < start) return undefined;
    if (start >= size) return 'unsatisfiable';
    return { start, end: Math.min(requestedEnd, size - 1) };
  }
  if (start >= size) return 'unsatisfiable';
  return { start, end: size - 1 };
}
