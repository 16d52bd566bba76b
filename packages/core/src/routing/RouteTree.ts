/**
 * The router's matching structure: a radix tree over whole path segments.
 *
 * Shape
 * -----
 * Every node has
 *   - static children, reached over an edge labelled with one or more whole
 *     raw segments ('api/v1/users': chains of static segments with nothing
 *     else hanging off them are compressed into one edge, so a request walks
 *     one edge per divergence point rather than one per segment). Siblings
 *     always differ in their first segment, so at most one can match;
 *   - at most one param child (`:id`), matching one non-empty segment;
 *   - at most one wildcard child (`*`), matching the rest of the path;
 *   - a per-method value table (plus the Any ('*') value).
 * The param *names* are not part of the shape: they are kept per registered
 * route, so `/users/:id` (GET) and `/users/:name/posts` can coexist, while
 * `/users/:id` and `/users/:name` for the same method are one shape and
 * conflict.
 *
 * Matching
 * --------
 * A depth-first walk in priority order, static > param > wildcard, with
 * backtracking: if the static branch fails deeper down, the param branch of
 * the same node is tried, then the wildcard. The first node where the path
 * ends *and* the method resolves wins. Method resolution at a node: exact
 * method, then HEAD→GET (a HEAD request is served by the GET route unless a
 * HEAD route exists), then Any.
 *
 * Open questions, as decided here
 * -------------------------------
 *   - Wildcard and zero segments: like Fastify, `/static/*` matches
 *     `/static/` and `/static/x/y`; since a trailing slash is ignored it also
 *     matches `/static`, with params['*'] === ''. A route registered at
 *     `/static` itself still wins for that path (it is the static branch).
 *   - A node whose path matches but whose method does not resolve does NOT
 *     stop the search: the walk backtracks and a lower-priority branch with
 *     that method is returned as found (find-my-way keeps one tree per method,
 *     so it behaves the same). E.g. GET `/a/b` and POST `/a/:x`: POST /a/b
 *     finds `/a/:x` with x='b'. Only when no branch resolves is the answer
 *     405, and its Allow list is the union over every route that matches the
 *     path, i.e. exactly the methods that would be found.
 *   - Allow lists are sorted; they contain 'HEAD' when 'GET' is there and
 *     always 'OPTIONS' (the framework answers OPTIONS itself). When an Any
 *     route matches, every method would be found, so there is no 405; for
 *     allowedMethods() it contributes the standard methods of RouteMethod.
 *   - Static segments are compared with the raw, percent-encoded request text
 *     (patterns are stored encoded, see parseRoutePath). A request that
 *     encodes differently (`%c3%a9`, `%61` for 'a') does not match the static
 *     segment; it may still match a param. Param and wildcard values are
 *     decoded with decodeURIComponent ('%2F' becomes '/' inside one value);
 *     a malformed escape there gives 'bad-request'.
 *   - The request path must start with '/'; one trailing slash is ignored;
 *     an empty segment ('/users//5') matches no static segment and no param,
 *     only a wildcard.
 *   - Methods are compared case-sensitively, as node:http delivers them
 *     (upper case). add() upper-cases the method it is given, since a
 *     lower-case registration could never match.
 *
 * Speed
 * -----
 * match() runs once per request; the framework's target is ≥ 0.95× a raw
 * node:http server, so it is written to allocate nothing but the params
 * object (and its result wrapper) — see the comments in match() and walk().
 */

import { ErrorCodes } from '../errors.js';
import { RouteMethod } from './RouteMethod.js';
import { parseRoutePath } from './parseRoutePath.js';

export interface RouteMatch<T> {
  value: T;
  /** Decoded param values by name ('*' for the wildcard); undefined when the route has none. */
  params: Record<string, string> | undefined;
}

export type RouteLookup<T> =
  | { kind: 'found'; match: RouteMatch<T> }
  | { kind: 'method-not-allowed'; allowed: string[] }
  | { kind: 'not-found' }
  | { kind: 'bad-request'; reason: string };

type FoundLookup<T> = { kind: 'found'; match: RouteMatch<T> };

/** Thrown by {@link RouteTree.add} when the method and route shape are already registered. */
export class RouteConflictError<T = unknown> extends Error {
  readonly code = ErrorCodes.RouteConflict;
  /** The value registered first. */
  readonly existing: T;
  readonly method: string;
  readonly path: string;
  readonly existingPath: string;

  constructor(method: string, path: string, existingPath: string, existing: T) {
    const sameText = path === existingPath;
    super(
      `Route ${method} ${path} conflicts with ${method} ${existingPath}, registered before` +
        (sameText
          ? '. Remove one of the two registrations.'
          : ': parameter names do not tell routes apart, the two have the same shape. ' +
            'Remove one, or make them differ in a static segment.'),
    );
    this.name = 'RouteConflictError';
    this.method = method;
    this.path = path;
    this.existingPath = existingPath;
    this.existing = existing;
  }
}

/** One registration. */
interface Entry<T> {
  readonly method: string;
  readonly path: string;
  readonly value: T;
  /** Param names in path order ('*' last for a wildcard); undefined when there are none. */
  readonly names: string[] | undefined;
  /**
   * For a route with params: an object whose keys are the param names in path
   * order. Each match copies it with spread, so the params object gets its
   * final shape in one step (V8 clones the template's hidden class) instead
   * of growing one key at a time; the values are then overwritten in place.
   * Measured: ~15% less time per one-param match than filling a `{}`.
   * (find-my-way compiles a constructor per route with `new Function`; that is
   * faster still for 3+ params, but this stays eval-free.)
   */
  readonly template: Record<string, string> | undefined;
  /**
   * For a route without params the lookup result never changes, so it is
   * built once here and returned by every match: no allocation at all on
   * the static-route path, and the object stays valid forever.
   */
  readonly found: FoundLookup<T> | undefined;
}

const NOT_FOUND: { kind: 'not-found' } = Object.freeze({ kind: 'not-found' as const });

// Every static edge label is ASCII (non-ASCII is percent-encoded by
// parseRoutePath), so a node's static children can be indexed by the char
// code of their label's first character in a 128-slot array: one array load
// picks the (usually single) candidate without slicing the request segment
// into a string for a Map lookup.
const TABLE_SIZE = 128;

const SLASH = 0x2f;

const STANDARD_METHODS: readonly string[] = [
  RouteMethod.Get,
  RouteMethod.Head,
  RouteMethod.Post,
  RouteMethod.Put,
  RouteMethod.Patch,
  RouteMethod.Delete,
  RouteMethod.Options,
];

// RFC 9110 method token.
const METHOD_TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

class Node<T> {
  /** Raw segments of the edge leading here (static children only). */
  segments: string[];
  /** The same segments joined with '/': compared against the request with startsWith. */
  label: string;
  /** Static children bucketed by the first char code of their label; undefined until the first one. */
  statics: Array<Array<Node<T>> | undefined> | undefined = undefined;
  param: Node<T> | undefined = undefined;
  wildcard: Node<T> | undefined = undefined;
  /**
   * Method table as two parallel arrays scanned linearly: a node rarely has
   * more than 3–4 methods, and comparing the request's (internalized) method
   * string with `===` is cheaper than a Map or a keyed property load.
   */
  methods: string[] = [];
  entries: Array<Entry<T>> = [];
  any: Entry<T> | undefined = undefined;
  /** methods.length > 0 || any !== undefined, kept as one boolean for the walk. */
  terminal = false;

  constructor(segments: string[]) {
    this.segments = segments;
    this.label = segments.join('/');
  }

  relabel(segments: string[]): void {
    this.segments = segments;
    this.label = segments.join('/');
  }

  findStatic(firstSegment: string): Node<T> | undefined {
    const bucket = this.statics?.[firstSegment.charCodeAt(0)];
    if (bucket === undefined) return undefined;
    for (const child of bucket) if (child.segments[0] === firstSegment) return child;
    return undefined;
  }

  addStatic(child: Node<T>): void {
    // fill() makes a packed array, so loads of empty slots stay on the fast path.
    const table = (this.statics ??= new Array<Array<Node<T>> | undefined>(TABLE_SIZE).fill(undefined));
    const code = child.label.charCodeAt(0);
    (table[code] ??= []).push(child);
  }

  replaceStatic(old: Node<T>, replacement: Node<T>): void {
    const bucket = this.statics![old.label.charCodeAt(0)]!;
    bucket[bucket.indexOf(old)] = replacement;
  }
}

function resolve<T>(node: Node<T>, method: string): Entry<T> | undefined {
  const methods = node.methods;
  for (let i = 0; i < methods.length; i++) {
    if (methods[i] === method) return node.entries[i];
  }
  if (method === 'HEAD') {
    for (let i = 0; i < methods.length; i++) {
      if (methods[i] === 'GET') return node.entries[i];
    }
  }
  return node.any;
}

/** Decodes a param value; undefined for a malformed escape (decodeURIComponent's URIError). */
function decodeParam(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

export class RouteTree<T> {
  private readonly root = new Node<T>([]);
  /**
   * Static-only routes by normalized path. A request whose raw path is
   * exactly such a key is answered with one Map lookup instead of a walk:
   * the static branch has the highest priority at every level, so that node
   * is the first the walk would reach anyway. (Measured: see the bench.)
   */
  private readonly staticPaths = new Map<string, Node<T>>();
  private readonly registered: Array<Entry<T>> = [];

  // Per-match scratch state. match() is synchronous and not re-entrant, so
  // the walk keeps the request here instead of passing it down every call,
  // and records param positions as (start, end) indices into the path:
  // strings are only sliced once the winning route is known.
  private path = '';
  private len = 0;
  private method = '';
  private sawTerminal = false;
  private starts: number[] = [];
  private ends: number[] = [];

  add(method: RouteMethod | string, path: string, value: T): void {
    const m = String(method).toUpperCase();
    if (!METHOD_TOKEN.test(m)) {
      throw new TypeError(`Invalid HTTP method ${JSON.stringify(method)} for route ${path}: use a method name such as 'GET'.`);
    }
    const parsed = parseRoutePath(path);
    const segments = parsed.segments;

    let node = this.root;
    const names: string[] = [];
    let i = 0;
    while (i < segments.length) {
      const seg = segments[i]!;
      if (seg.kind === 'param') {
        names.push(seg.name);
        node = node.param ??= new Node<T>([]);
        i++;
      } else if (seg.kind === 'wildcard') {
        names.push('*');
        node = node.wildcard ??= new Node<T>([]);
        i++;
      } else {
        const run: string[] = [];
        while (i < segments.length) {
          const s = segments[i]!;
          if (s.kind !== 'static') break;
          run.push(s.value);
          i++;
        }
        node = this.insertStatic(node, run);
      }
    }

    const normalized = parsed.normalized;
    const existing = m === '*' ? node.any : node.entries[node.methods.indexOf(m)];
    if (existing !== undefined) {
      throw new RouteConflictError<T>(m, normalized, existing.path, existing.value);
    }

    const entry: Entry<T> = {
      method: m,
      path: normalized,
      value,
      names: names.length > 0 ? names : undefined,
      template: names.length > 0 ? Object.fromEntries(names.map((n) => [n, ''])) : undefined,
      found: names.length > 0 ? undefined : { kind: 'found', match: { value, params: undefined } },
    };
    if (m === '*') {
      node.any = entry;
    } else {
      node.methods.push(m);
      node.entries.push(entry);
    }
    node.terminal = true;
    this.registered.push(entry);

    if (names.length === 0) this.staticPaths.set(normalized, node);
    while (this.starts.length < names.length) {
      this.starts.push(0);
      this.ends.push(0);
    }
  }

  /** Walks/creates the compressed static edges for a run of static segments; returns the node at its end. */
  private insertStatic(parent: Node<T>, run: string[]): Node<T> {
    let at = 0;
    while (at < run.length) {
      const child = parent.findStatic(run[at]!);
      if (child === undefined) {
        const created = new Node<T>(run.slice(at));
        parent.addStatic(created);
        return created;
      }
      const cs = child.segments;
      let k = 1; // the first segment is equal by construction
      while (k < cs.length && at + k < run.length && cs[k] === run[at + k]) k++;
      if (k < cs.length) {
        // The new route leaves (or ends inside) the edge: split it.
        const mid = new Node<T>(cs.slice(0, k));
        parent.replaceStatic(child, mid);
        child.relabel(cs.slice(k));
        mid.addStatic(child);
        parent = mid;
      } else {
        parent = child;
      }
      at += k;
    }
    return parent;
  }

  /**
   * Matches a request. `path` is the raw request path without the query
   * string. A 'found' result for a route without params is shared and stays
   * valid forever; for a route with params it is a new object.
   */
  match(method: string, path: string): RouteLookup<T> {
    // Fast path: an exact static path. The common case for static routes
    // costs one Map lookup (the hash of the path string is computed once and
    // cached on the string) and allocates nothing.
    const exact = this.staticPaths.get(path);
    if (exact !== undefined) {
      const entry = resolve(exact, method);
      if (entry !== undefined) return entry.found!;
      // The static node lacks the method: a param/wildcard branch may have
      // it, so fall through to the full walk.
    }

    // Work on [0, len) instead of slicing off a trailing slash or splitting
    // the path: the walk reads segments in place with charCodeAt/startsWith/
    // indexOf, so no segment strings or arrays are created.
    let len = path.length;
    if (len > 0 && path.charCodeAt(len - 1) === SLASH) len--;
    if (len > 0 && path.charCodeAt(0) !== SLASH) return NOT_FOUND;

    this.path = path;
    this.len = len;
    this.method = method;
    this.sawTerminal = false;
    const entry = this.walk(this.root, 0, 0);

    if (entry === undefined) {
      // Only a path that reached a route node pays for collecting the Allow list.
      const allowed = this.sawTerminal ? this.allowedAt(path, len) : undefined;
      return allowed === undefined ? NOT_FOUND : { kind: 'method-not-allowed', allowed };
    }
    const names = entry.names;
    if (names === undefined) return entry.found!;

    const params: Record<string, string> = { ...entry.template };
    const starts = this.starts;
    const ends = this.ends;
    // Most paths contain no escape: one scan from the first value to the end
    // of the path decides whether any value needs decodeURIComponent (and
    // its try/catch); only then is each value checked on its own.
    const escaped = path.indexOf('%', starts[0]) !== -1;
    for (let i = 0; i < names.length; i++) {
      let v = path.slice(starts[i], ends[i]);
      if (escaped && v.indexOf('%') !== -1) {
        const decoded = decodeParam(v);
        if (decoded === undefined) {
          return { kind: 'bad-request', reason: `Malformed percent-encoding in the route parameter '${names[i]}'` };
        }
        // %00 would hand handlers a NUL (a C-string terminator to file systems and
        // drivers); node's parser already refuses a raw NUL in the path.
        if (decoded.includes('\0')) {
          return { kind: 'bad-request', reason: `The route parameter '${names[i]}' contains a NUL byte (%00)` };
        }
        v = decoded;
      }
      params[names[i]!] = v;
    }
    return { kind: 'found', match: { value: entry.value, params } };
  }

  /**
   * Depth-first search in priority order. `pos` is the index of the '/' that
   * precedes the next segment, or `len` when the path is consumed; `depth`
   * counts params (and the wildcard) bound so far. Positions of param values
   * are written on the way back up from a success, so a failed branch never
   * leaves stale positions behind.
   */
  private walk(node: Node<T>, pos: number, depth: number): Entry<T> | undefined {
    const len = this.len;
    if (pos === len) {
      if (node.terminal) {
        const entry = resolve(node, this.method);
        if (entry !== undefined) return entry;
        this.sawTerminal = true;
      }
      // Zero-segment wildcard: '/static' and '/static/' match '/static/*'.
      const wild = node.wildcard;
      if (wild !== undefined && wild.terminal) {
        const entry = resolve(wild, this.method);
        if (entry !== undefined) {
          this.starts[depth] = len;
          this.ends[depth] = len;
          return entry;
        }
        this.sawTerminal = true;
      }
      return undefined;
    }

    const path = this.path;
    const start = pos + 1;

    // 1. Static: at most one child can match (siblings differ in their first
    //    segment), so stop after the first whose label matches.
    const table = node.statics;
    if (table !== undefined && start < len) {
      const code = path.charCodeAt(start);
      const bucket = code < TABLE_SIZE ? table[code] : undefined;
      if (bucket !== undefined) {
        for (let i = 0; i < bucket.length; i++) {
          const child = bucket[i]!;
          const label = child.label;
          const end = start + label.length;
          // The label must end on a segment boundary: check that (one char)
          // before comparing the label itself.
          if (end <= len && (end === len || path.charCodeAt(end) === SLASH) && path.startsWith(label, start)) {
            const entry = this.walk(child, end, depth);
            if (entry !== undefined) return entry;
            break;
          }
        }
      }
    }

    // 2. Param: one non-empty segment.
    const param = node.param;
    if (param !== undefined) {
      let end = path.indexOf('/', start);
      if (end === -1 || end > len) end = len;
      if (end > start) {
        const entry = this.walk(param, end, depth + 1);
        if (entry !== undefined) {
          this.starts[depth] = start;
          this.ends[depth] = end;
          return entry;
        }
      }
    }

    // 3. Wildcard: the rest of the path, whatever it contains.
    const wild = node.wildcard;
    if (wild !== undefined && wild.terminal) {
      const entry = resolve(wild, this.method);
      if (entry !== undefined) {
        this.starts[depth] = start;
        this.ends[depth] = len;
        return entry;
      }
      this.sawTerminal = true;
    }
    return undefined;
  }

  /**
   * The methods that would be found at `path` (for an OPTIONS answer or an
   * Allow header): sorted, with 'HEAD' when 'GET' is there and always
   * 'OPTIONS'. undefined when no route matches the path at all.
   */
  allowedMethods(path: string): string[] | undefined {
    let len = path.length;
    if (len > 0 && path.charCodeAt(len - 1) === SLASH) len--;
    if (len > 0 && path.charCodeAt(0) !== SLASH) return undefined;
    return this.allowedAt(path, len);
  }

  private allowedAt(path: string, len: number): string[] | undefined {
    // Not on the hot path (405s and OPTIONS): a plain recursive collection
    // over every branch that matches, without the early exit of walk().
    const found = new Set<string>();
    let any = false;
    const add = (node: Node<T>): void => {
      for (const m of node.methods) found.add(m);
      if (node.any !== undefined) any = true;
    };
    const visit = (node: Node<T>, pos: number): void => {
      if (pos === len) {
        add(node);
        if (node.wildcard !== undefined) add(node.wildcard);
        return;
      }
      const start = pos + 1;
      if (node.statics !== undefined && start < len) {
        for (const bucket of node.statics) {
          if (bucket === undefined) continue;
          for (const child of bucket) {
            const end = start + child.label.length;
            if (end <= len && (end === len || path.charCodeAt(end) === SLASH) && path.startsWith(child.label, start)) {
              visit(child, end);
            }
          }
        }
      }
      if (node.param !== undefined) {
        let end = path.indexOf('/', start);
        if (end === -1 || end > len) end = len;
        if (end > start) visit(node.param, end);
      }
      if (node.wildcard !== undefined) add(node.wildcard);
    };
    visit(this.root, 0);

    if (found.size === 0 && !any) return undefined;
    if (any) for (const m of STANDARD_METHODS) found.add(m);
    if (found.has('GET')) found.add('HEAD');
    found.add('OPTIONS');
    return [...found].sort();
  }

  /** Every registration in the order it was added (normalized paths, upper-case methods). */
  routes(): Array<{ method: string; path: string; value: T }> {
    return this.registered.map((e) => ({ method: e.method, path: e.path, value: e.value }));
  }
}
