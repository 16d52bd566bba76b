import { HttpErrorCodes } from '../errors.js';
import { promises as fsp, type Stats } from 'node:fs';
import path from 'node:path';
import { HttpError } from '../http/HttpError.js';
import type { HttpRequest } from '../http/HttpRequest.js';
import { HttpResponse, type ResponseFile } from '../http/HttpResponse.js';
import type { RouteHandler } from '../contracts/handlers.js';
import { contentTypeFor } from './contentTypes.js';
import { isMissingFileError, withKnownStats } from './sendFile.js';

/** Options of `useStaticFiles(urlPrefix, directory, options)`. */
export interface StaticFilesOptions {
  /** The file served for a directory, or `false` to serve none (directories are then 404). Default `'index.html'`. */
  index?: string | false;
  /** `Cache-Control: public, max-age=N`, in seconds. Default 0 (the client revalidates each time, cheaply, with the ETag). */
  maxAge?: number;
  /** Adds `immutable` to `Cache-Control`: for fingerprinted file names with a long `maxAge`. */
  immutable?: boolean;
  /**
   * Files and directories whose name starts with a dot: `'ignore'` (default) answers 404 as if
   * they did not exist, `'deny'` answers 403, `'allow'` serves them.
   */
  dotfiles?: 'ignore' | 'allow' | 'deny';
  /**
   * `true`: every refusal (a malformed or forbidden path, a denied dotfile) is a plain
   * 404, indistinguishable from a missing file, so the mount reveals nothing about
   * why. `false` (default): precise statuses, 400 for a malformed path, 403 for a forbidden one.
   */
  concealRefusals?: boolean;
}

// A drive-relative name (`C:x`) would leave the root on Windows; on POSIX it is an ordinary name.
const onWindows = path.sep === '\\';
const forbiddenCode = HttpErrorCodes.StaticForbidden;
const badPathCode = HttpErrorCodes.StaticBadPath;

/**
 * A GET handler serving the files under `root`, for a route `${urlPrefix}/*`:
 * `params['*']` (decoded by the router) is the path inside `root`. Refuses
 * anything that could leave `root` — `..` segments, backslashes, absolute paths,
 * NUL bytes, symlinks pointing outside — and answers a directory with its index
 * file (after a 301 to the slash-terminated URL). The file itself is written by
 * the pipeline's file writer (`sendFile`): ETag, 304, ranges, HEAD.
 */
export function createStaticFilesHandler(root: string, options: StaticFilesOptions = {}): RouteHandler {
  if (typeof root !== 'string' || root === '') throw new TypeError('Static files: the root directory must be a non-empty path');
  const index = options.index ?? 'index.html';
  if (index !== false && (typeof index !== 'string' || index === '' || /[/\\\0]/.test(index) || index === '.' || index === '..')) {
    throw new TypeError(`Static files: index must be a file name (no separators) or false, got ${JSON.stringify(index)}`);
  }
  const maxAge = options.maxAge ?? 0;
  if (typeof maxAge !== 'number' || !Number.isFinite(maxAge) || maxAge < 0) {
    throw new TypeError(`Static files: maxAge must be a number of seconds >= 0, got ${String(maxAge)}`);
  }
  const dotfiles = options.dotfiles ?? 'ignore';
  if (dotfiles !== 'ignore' && dotfiles !== 'allow' && dotfiles !== 'deny') {
    throw new TypeError(`Static files: dotfiles must be 'ignore', 'allow' or 'deny', got ${JSON.stringify(dotfiles)}`);
  }
  const concealRefusals = options.concealRefusals ?? false;
  const cacheControl = `public, max-age=${Math.floor(maxAge)}${options.immutable ? ', immutable' : ''}`;
  const rootPath = path.resolve(root);

  // The root's real path, for the containment check. Resolved on the first
  // request and kept; a failure (root not there yet) is retried next time.
  let realRoot: string | undefined;
  const getRealRoot = async (): Promise<string> => (realRoot ??= await fsp.realpath(rootPath));

  const refuse = (status: 400 | 403 | 404, code?: string): HttpError => {
    if (concealRefusals || status === 404) return new HttpError(404, 'Not Found');
    return new HttpError(status, status === 400 ? 'Bad Request' : 'Forbidden', { code });
  };

  /** Checks the policy for dot-names in a relative path; throws when refused. */
  const checkDotfiles = (relative: string): void => {
    if (dotfiles === 'allow' || !hasDotSegment(relative)) return;
    throw refuse(dotfiles === 'deny' ? 403 : 404, forbiddenCode);
  };

  /**
   * The real path and stats of `logical` (inside rootPath), following symlinks;
   * throws 404 when it does not exist and 403 when it really lies outside the root.
   */
  const resolveReal = async (logical: string, base: string): Promise<{ real: string; stats: Stats }> => {
    let real: string;
    let stats: Stats;
    try {
      real = await fsp.realpath(logical);
      if (!isInside(real, base)) throw refuse(403, forbiddenCode);
      // A symlink inside the root may still point at a dotfile.
      if (real !== base) checkDotfiles(real.slice(base.length));
      stats = await fsp.stat(real);
    } catch (error) {
      if (error instanceof HttpError) throw error;
      if (isMissingFileError(error)) throw new HttpError(404, 'Not Found');
      throw error;
    }
    return { real, stats };
  };

  return async (request: HttpRequest): Promise<HttpResponse> => {
    const method = request.method;
    if (method !== 'GET' && method !== 'HEAD') {
      throw new HttpError(405, `${method} is not allowed on static files`, { headers: { allow: 'GET, HEAD' } });
    }
    const rest = request.params['*'] ?? '';

    // Checked on the decoded value, so %2e%2e, %2f and %5c are caught as what they decode to.
    if (rest.includes('\0')) throw refuse(400, badPathCode);
    if (rest.includes('\\') || rest.startsWith('/') || (onWindows && /^[a-zA-Z]:/.test(rest))) throw refuse(403, forbiddenCode);
    const segments = rest.split('/');
    for (const segment of segments) {
      if (segment === '..') throw refuse(403, forbiddenCode);
    }
    checkDotfiles(rest);

    const logical = path.resolve(rootPath, rest);
    // Cannot fail after the checks above; kept as the last line of defence.
    if (!isInside(logical, rootPath)) throw refuse(403, forbiddenCode);

    let base: string;
    try {
      base = await getRealRoot();
    } catch (error) {
      if (isMissingFileError(error)) throw new HttpError(404, 'Not Found');
      throw error;
    }

    let { real, stats } = await resolveReal(logical, base);
    // The router drops one trailing slash from the wildcard value, so look at the raw path.
    const pathText = request.path;
    const trailingSlash = pathText.endsWith('/');
    let name = logical;

    if (stats.isDirectory()) {
      if (index === false) throw new HttpError(404, 'Not Found');
      if (!trailingSlash) {
        // Leading slashes collapsed: `//host/` would be a protocol-relative URL (an open redirect).
        const location = `${pathText.replace(/^\/+/, '/')}/${request.url.slice(pathText.length)}`;
        return HttpResponse.redirect(location, 301);
      }
      name = path.join(logical, index);
      ({ real, stats } = await resolveReal(name, base));
    } else if (trailingSlash) {
      // `/file.txt/`: a file is no directory.
      throw new HttpError(404, 'Not Found');
    }
    if (!stats.isFile()) throw new HttpError(404, 'Not Found');

    // The real path is what gets opened (it was checked); the type comes from the requested name.
    const file: ResponseFile = { kind: 'file', path: real, contentType: contentTypeFor(name) };
    return new HttpResponse(200, withKnownStats(file, stats), { 'cache-control': cacheControl });
  };
}

/** True when `child` is `parent` or lies below it (both absolute and normalised). */
function isInside(child: string, parent: string): boolean {
  if (child === parent) return true;
  const prefix = parent.endsWith(path.sep) ? parent : parent + path.sep;
  return child.startsWith(prefix);
}

/** True when a segment of a relative path (either separator) starts with a dot; `.` alone does not count. */
function hasDotSegment(relative: string): boolean {
  for (const segment of relative.split(/[/\\]/)) {
    if (segment.length > 1 && segment.charCodeAt(0) === 46 /* . */) return true;
  }
  return false;
}
