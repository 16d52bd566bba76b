/**
 * Route pattern parsing.
 *
 * A pattern is a '/'-separated list of segments. Each segment is one of:
 *   - static    `users`        compared exactly (case-sensitive) with the raw,
 *                              still percent-encoded request segment;
 *   - param     `:id` or `<id>` (the Sisk spelling), one non-empty segment;
 *   - wildcard  `*`            the rest of the path; only as the last segment.
 *
 * Because requests are matched on their raw (encoded) text, static segments
 * are stored in their canonical percent-encoded form: `/café` and `/a b` are
 * stored as `/caf%C3%A9` and `/a%20b`, which is what clients send, and an
 * escape already written in the pattern keeps its bytes with the hex digits
 * upper-cased (`%c3%a9` → `%C3%A9`, the RFC 3986 normal form).
 */

import { ErrorCodes } from '../errors.js';

/** One segment of a parsed route pattern. */
export type RouteSegment = { kind: 'static'; value: string } | { kind: 'param'; name: string } | { kind: 'wildcard'; name: string };

export interface ParsedRoutePath {
  segments: RouteSegment[];
  /** Canonical spelling: `/users/:id/*`; Sisk `<id>` is rewritten to `:id`, the root is `/`. */
  normalized: string;
}

/** Thrown for a route pattern the router cannot register. */
export class RoutePathError extends Error {
  readonly code = ErrorCodes.RouteInvalidPath;
  /** The pattern as it was given. */
  readonly path: string;

  constructor(path: string, problem: string, fix: string) {
    super(`Invalid route path ${JSON.stringify(path)}: ${problem}. ${fix}`);
    this.name = 'RoutePathError';
    this.path = path;
  }
}

// A parameter name becomes a property of the params object, so keep it to an
// identifier-like word; this also turns `/:name.json` (a param named
// 'name.json' in some routers, a pattern in others) into a clear error.
const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

// RFC 3986 `pchar` minus '%' (escapes are checked separately) and minus '*'
// (a wildcard must be a whole segment): unreserved, sub-delims, ':' and '@'.
const PCHAR = /[A-Za-z0-9\-._~!$&'()+,;=:@]/;

const HEX = /^[0-9A-Fa-f]{2}$/;

export function parseRoutePath(path: string): ParsedRoutePath {
  if (typeof path !== 'string' || path.charCodeAt(0) !== 0x2f /* '/' */) {
    throw new RoutePathError(String(path), 'a route path must start with "/"', `Write "/${String(path)}" instead.`);
  }
  if (path === '/') return { segments: [], normalized: '/' };

  const parts = path.split('/');
  // parts[0] is the empty text before the leading '/'. One trailing slash is
  // ignored: '/a/' is the route '/a'.
  let count = parts.length;
  if (parts[count - 1] === '') count--;

  const segments: RouteSegment[] = [];
  const seen = new Set<string>();
  for (let i = 1; i < count; i++) {
    const part = parts[i]!;
    if (part === '') {
      throw new RoutePathError(path, `segment ${i} is empty ("//")`, 'Remove the duplicate "/".');
    }
    if (segments.length > 0 && segments[segments.length - 1]!.kind === 'wildcard') {
      throw new RoutePathError(
        path,
        'the wildcard "*" must be the last segment',
        'Move "*" to the end of the path, or use a ":name" parameter for a single segment.',
      );
    }

    if (part === '*') {
      segments.push({ kind: 'wildcard', name: '*' });
      continue;
    }

    let name: string | undefined;
    if (part.charCodeAt(0) === 0x3a /* ':' */) {
      name = part.slice(1);
    } else if (part.charCodeAt(0) === 0x3c /* '<' */ && part.charCodeAt(part.length - 1) === 0x3e /* '>' */) {
      name = part.slice(1, -1);
    }
    if (name !== undefined) {
      if (name === '') {
        throw new RoutePathError(path, `segment "${part}" has an empty parameter name`, 'Name it, as in ":id".');
      }
      if (name.endsWith('?')) {
        throw new RoutePathError(
          path,
          `optional parameters ("${part}") are not supported`,
          'Register the route once with and once without the parameter.',
        );
      }
      if (!PARAM_NAME.test(name) || name === '__proto__') {
        throw new RoutePathError(
          path,
          `parameter name "${name}" is not valid`,
          'A parameter takes a whole segment and is named with letters, digits and "_" (not starting with a digit).',
        );
      }
      if (seen.has(name)) {
        throw new RoutePathError(path, `parameter "${name}" appears twice`, 'Give each parameter a distinct name.');
      }
      seen.add(name);
      segments.push({ kind: 'param', name });
      continue;
    }

    segments.push({ kind: 'static', value: canonicalStatic(path, part) });
  }

  let normalized = '';
  for (const s of segments) {
    normalized += s.kind === 'static' ? '/' + s.value : s.kind === 'param' ? '/:' + s.name : '/*';
  }
  return { segments, normalized: normalized === '' ? '/' : normalized };
}

/** Validates a static segment and returns it percent-encoded (see the file comment). */
function canonicalStatic(path: string, part: string): string {
  let out = '';
  for (let i = 0; i < part.length; i++) {
    const ch = part[i]!;
    const code = part.charCodeAt(i);
    if (ch === '?' || ch === '#') {
      throw new RoutePathError(
        path,
        `"${ch}" is not allowed in a route path (it starts the ${ch === '?' ? 'query string' : 'fragment'})`,
        'Register the path only; read the query from the request.',
      );
    }
    if (ch === '*') {
      throw new RoutePathError(
        path,
        `"*" inside the segment "${part}"`,
        'A wildcard must be a whole, final segment ("/files/*"); use "%2A" for a literal "*".',
      );
    }
    if (ch === '<' || ch === '>' || ch === '{' || ch === '}') {
      throw new RoutePathError(path, `"${ch}" inside the segment "${part}"`, 'Write parameters as a whole segment, ":name" or "<name>".');
    }
    if (code < 0x20 || code === 0x7f) {
      throw new RoutePathError(path, 'it contains a control character', 'Remove it.');
    }
    if (ch === '%') {
      const hex = part.slice(i + 1, i + 3);
      if (!HEX.test(hex)) {
        throw new RoutePathError(path, `malformed percent-escape in "${part}"`, 'Write "%25" for a literal "%".');
      }
      out += '%' + hex.toUpperCase();
      i += 2;
      continue;
    }
    if (PCHAR.test(ch)) {
      out += ch;
      continue;
    }
    // Space, '"', '\\', '^', '`', '|', '[', ']' and non-ASCII: encode like a
    // client would. A lone surrogate cannot be encoded.
    let unit = ch;
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < part.length) {
      unit = part.slice(i, i + 2);
      i++;
    }
    try {
      out += encodeURIComponent(unit);
    } catch {
      throw new RoutePathError(path, 'it contains an unpaired UTF-16 surrogate', 'Fix the string.');
    }
  }
  return out;
}

/**
 * Joins a prefix (a controller's base path, a mount point) and a route path
 * into one path that starts with '/', has no empty segments and no trailing
 * slash (except the root '/'). Missing or duplicate slashes on either side are
 * tolerated: `joinRoutePaths('/events', '/:user')`, `('events/', ':user')`
 * both give '/events/:user'; `('', '')` gives '/'. It does not validate;
 * {@link parseRoutePath} does.
 */
export function joinRoutePaths(prefix: string, path: string): string {
  let out = '';
  appendSegments(prefix);
  appendSegments(path);
  return out === '' ? '/' : out;

  function appendSegments(s: string): void {
    let start = 0;
    for (let i = 0; i <= s.length; i++) {
      if (i === s.length || s.charCodeAt(i) === 0x2f) {
        if (i > start) out += '/' + s.slice(start, i);
        start = i + 1;
      }
    }
  }
}
