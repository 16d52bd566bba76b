import { describe, it, expect } from '@jest/globals';
import { RouteTree, RouteConflictError, type RouteLookup } from '../../src/routing/RouteTree.js';
import { RouteMethod } from '../../src/routing/RouteMethod.js';
import { RoutePathError } from '../../src/routing/parseRoutePath.js';

// Conformance table, in the style of a shared router suite: every case
// registers its routes in a fresh tree (the stored value is "METHOD path" so a
// wrong match is visible in the failure) and checks one request.

type Route = [method: string, path: string];
type Expect =
  | { kind: 'found'; value: string; params?: Record<string, string> }
  | { kind: 'method-not-allowed'; allowed: string[] }
  | { kind: 'not-found' }
  | { kind: 'bad-request' };
interface Case {
  name: string;
  routes: Route[];
  request: [method: string, path: string];
  expect: Expect;
}

const found = (value: string, params?: Record<string, string>): Expect => ({ kind: 'found', value, params });
const notAllowed = (...allowed: string[]): Expect => ({ kind: 'method-not-allowed', allowed });
const notFound: Expect = { kind: 'not-found' };
const badRequest: Expect = { kind: 'bad-request' };

const cases: Case[] = [
  // root
  { name: 'root', routes: [['GET', '/']], request: ['GET', '/'], expect: found('GET /') },
  { name: 'root vs empty path', routes: [['GET', '/']], request: ['GET', ''], expect: found('GET /') },
  { name: 'root does not match a segment', routes: [['GET', '/']], request: ['GET', '/a'], expect: notFound },
  { name: 'nothing registered', routes: [], request: ['GET', '/'], expect: notFound },

  // static
  {
    name: 'static',
    routes: [
      ['GET', '/hello'],
      ['GET', '/hello/world'],
      ['GET', '/help'],
    ],
    request: ['GET', '/hello/world'],
    expect: found('GET /hello/world'),
  },
  { name: 'static prefix of a segment does not match', routes: [['GET', '/hello']], request: ['GET', '/hell'], expect: notFound },
  { name: 'static longer segment does not match', routes: [['GET', '/hello']], request: ['GET', '/helloo'], expect: notFound },
  { name: 'static is case-sensitive', routes: [['GET', '/Hello']], request: ['GET', '/hello'], expect: notFound },
  {
    name: 'static route ending inside a compressed edge',
    routes: [
      ['GET', '/a/b/c/d'],
      ['GET', '/a/b'],
    ],
    request: ['GET', '/a/b'],
    expect: found('GET /a/b'),
  },
  { name: 'inner node of an edge is not a route', routes: [['GET', '/a/b/c']], request: ['GET', '/a/b'], expect: notFound },
  {
    name: 'edge split keeps the deeper route',
    routes: [
      ['GET', '/a/b/c'],
      ['GET', '/a/x'],
    ],
    request: ['GET', '/a/b/c'],
    expect: found('GET /a/b/c'),
  },
  {
    name: 'siblings sharing a first character',
    routes: [
      ['GET', '/users'],
      ['GET', '/uploads'],
      ['GET', '/u'],
    ],
    request: ['GET', '/uploads'],
    expect: found('GET /uploads'),
  },
  {
    name: 'non-ASCII static segment matches its encoded request form',
    routes: [['GET', '/café']],
    request: ['GET', '/caf%C3%A9'],
    expect: found('GET /café'),
  },
  {
    name: 'static matching is on raw text: another encoding does not match',
    routes: [['GET', '/abc']],
    request: ['GET', '/%61bc'],
    expect: notFound,
  },
  { name: 'request path without a leading slash', routes: [['GET', '/a']], request: ['GET', 'a'], expect: notFound },

  // params
  { name: 'param', routes: [['GET', '/users/:id']], request: ['GET', '/users/42'], expect: found('GET /users/:id', { id: '42' }) },
  { name: 'Sisk param', routes: [['GET', '/users/<id>']], request: ['GET', '/users/42'], expect: found('GET /users/<id>', { id: '42' }) },
  {
    name: 'multiple params',
    routes: [['GET', '/orgs/:org/repos/:repo/issues/:n']],
    request: ['GET', '/orgs/acme/repos/web/issues/7'],
    expect: found('GET /orgs/:org/repos/:repo/issues/:n', { org: 'acme', repo: 'web', n: '7' }),
  },
  {
    name: 'adjacent params, both syntaxes',
    routes: [['GET', '/:a/<b>']],
    request: ['GET', '/x/y'],
    expect: found('GET /:a/<b>', { a: 'x', b: 'y' }),
  },
  { name: 'param at root', routes: [['GET', '/:page']], request: ['GET', '/about'], expect: found('GET /:page', { page: 'about' }) },
  { name: 'param needs a segment', routes: [['GET', '/users/:id']], request: ['GET', '/users'], expect: notFound },
  { name: 'param does not span segments', routes: [['GET', '/users/:id']], request: ['GET', '/users/1/2'], expect: notFound },
  {
    name: 'empty segment is not a param value',
    routes: [['GET', '/users/:id/posts']],
    request: ['GET', '/users//posts'],
    expect: notFound,
  },
  { name: 'double slash before a param', routes: [['GET', '/users/:id']], request: ['GET', '/users//5'], expect: notFound },
  {
    name: 'same position, different names on different routes',
    routes: [
      ['GET', '/users/:id'],
      ['GET', '/users/:name/posts'],
    ],
    request: ['GET', '/users/ann/posts'],
    expect: found('GET /users/:name/posts', { name: 'ann' }),
  },
  {
    name: 'same shape, different names on different methods',
    routes: [
      ['GET', '/users/:id'],
      ['PUT', '/users/:userId'],
    ],
    request: ['PUT', '/users/9'],
    expect: found('PUT /users/:userId', { userId: '9' }),
  },
  {
    name: 'param value keeps dots and colons',
    routes: [['GET', '/files/:name']],
    request: ['GET', '/files/a.b:c'],
    expect: found('GET /files/:name', { name: 'a.b:c' }),
  },

  // wildcard
  {
    name: 'wildcard, one segment',
    routes: [['GET', '/static/*']],
    request: ['GET', '/static/app.js'],
    expect: found('GET /static/*', { '*': 'app.js' }),
  },
  {
    name: 'wildcard, many segments',
    routes: [['GET', '/static/*']],
    request: ['GET', '/static/js/vendor/app.js'],
    expect: found('GET /static/*', { '*': 'js/vendor/app.js' }),
  },
  {
    name: 'wildcard, zero segments with trailing slash',
    routes: [['GET', '/static/*']],
    request: ['GET', '/static/'],
    expect: found('GET /static/*', { '*': '' }),
  },
  {
    name: 'wildcard, zero segments without trailing slash',
    routes: [['GET', '/static/*']],
    request: ['GET', '/static'],
    expect: found('GET /static/*', { '*': '' }),
  },
  {
    name: 'wildcard value drops the ignored trailing slash',
    routes: [['GET', '/static/*']],
    request: ['GET', '/static/a/b/'],
    expect: found('GET /static/*', { '*': 'a/b' }),
  },
  { name: 'wildcard does not match a sibling prefix', routes: [['GET', '/static/*']], request: ['GET', '/statics/a'], expect: notFound },
  { name: 'root wildcard', routes: [['GET', '/*']], request: ['GET', '/any/thing'], expect: found('GET /*', { '*': 'any/thing' }) },
  { name: 'root wildcard matches the root', routes: [['GET', '/*']], request: ['GET', '/'], expect: found('GET /*', { '*': '' }) },
  {
    name: 'wildcard after a param',
    routes: [['GET', '/u/:user/files/*']],
    request: ['GET', '/u/ann/files/a/b.txt'],
    expect: found('GET /u/:user/files/*', { user: 'ann', '*': 'a/b.txt' }),
  },
  {
    name: 'wildcard takes empty segments',
    routes: [['GET', '/w/*']],
    request: ['GET', '/w//x'],
    expect: found('GET /w/*', { '*': '/x' }),
  },

  // priority
  {
    name: 'static beats param',
    routes: [
      ['GET', '/users/:id'],
      ['GET', '/users/me'],
    ],
    request: ['GET', '/users/me'],
    expect: found('GET /users/me'),
  },
  {
    name: 'static beats param regardless of registration order',
    routes: [
      ['GET', '/users/me'],
      ['GET', '/users/:id'],
    ],
    request: ['GET', '/users/me'],
    expect: found('GET /users/me'),
  },
  {
    name: 'param beats wildcard',
    routes: [
      ['GET', '/a/*'],
      ['GET', '/a/:x'],
    ],
    request: ['GET', '/a/b'],
    expect: found('GET /a/:x', { x: 'b' }),
  },
  {
    name: 'static beats wildcard',
    routes: [
      ['GET', '/a/*'],
      ['GET', '/a/b'],
    ],
    request: ['GET', '/a/b'],
    expect: found('GET /a/b'),
  },
  {
    name: 'wildcard takes what the param cannot',
    routes: [
      ['GET', '/a/*'],
      ['GET', '/a/:x'],
    ],
    request: ['GET', '/a/b/c'],
    expect: found('GET /a/*', { '*': 'b/c' }),
  },
  {
    name: 'backtracking from static to param',
    routes: [
      ['GET', '/a/:x/c'],
      ['GET', '/a/b/d'],
    ],
    request: ['GET', '/a/b/c'],
    expect: found('GET /a/:x/c', { x: 'b' }),
  },
  {
    name: 'backtracking from static to wildcard',
    routes: [
      ['GET', '/a/*'],
      ['GET', '/a/b/d'],
    ],
    request: ['GET', '/a/b/c'],
    expect: found('GET /a/*', { '*': 'b/c' }),
  },
  {
    name: 'backtracking from param to wildcard leaves no stale params',
    routes: [
      ['GET', '/a/:x/:y/z'],
      ['GET', '/a/*'],
    ],
    request: ['GET', '/a/1/2/q'],
    expect: found('GET /a/*', { '*': '1/2/q' }),
  },
  {
    name: 'backtracking over several levels',
    routes: [
      ['GET', '/a/b/c/d'],
      ['GET', '/a/:x/c/:y'],
      ['GET', '/:p/b/:q/e'],
    ],
    request: ['GET', '/a/b/x/e'],
    expect: found('GET /:p/b/:q/e', { p: 'a', q: 'x' }),
  },

  // trailing slash
  { name: 'trailing slash on a static request', routes: [['GET', '/about']], request: ['GET', '/about/'], expect: found('GET /about') },
  {
    name: 'trailing slash on a param request',
    routes: [['GET', '/users/:id']],
    request: ['GET', '/users/5/'],
    expect: found('GET /users/:id', { id: '5' }),
  },
  { name: 'trailing slash in the pattern', routes: [['GET', '/about/']], request: ['GET', '/about'], expect: found('GET /about/') },
  { name: 'only one trailing slash is ignored', routes: [['GET', '/about']], request: ['GET', '/about//'], expect: notFound },

  // methods
  { name: 'HEAD falls back to GET', routes: [['GET', '/a']], request: ['HEAD', '/a'], expect: found('GET /a') },
  {
    name: 'HEAD falls back to GET on a param route',
    routes: [['GET', '/a/:id']],
    request: ['HEAD', '/a/1'],
    expect: found('GET /a/:id', { id: '1' }),
  },
  {
    name: 'explicit HEAD wins over GET',
    routes: [
      ['GET', '/a'],
      ['HEAD', '/a'],
    ],
    request: ['HEAD', '/a'],
    expect: found('HEAD /a'),
  },
  { name: 'GET does not fall back to HEAD', routes: [['HEAD', '/a']], request: ['GET', '/a'], expect: notAllowed('HEAD', 'OPTIONS') },
  { name: 'Any matches any method', routes: [['*', '/a']], request: ['PROPFIND', '/a'], expect: found('* /a') },
  {
    name: 'exact method wins over Any',
    routes: [
      ['*', '/a'],
      ['POST', '/a'],
    ],
    request: ['POST', '/a'],
    expect: found('POST /a'),
  },
  {
    name: 'HEAD→GET wins over Any',
    routes: [
      ['*', '/a'],
      ['GET', '/a'],
    ],
    request: ['HEAD', '/a'],
    expect: found('GET /a'),
  },
  { name: 'Any without GET serves HEAD', routes: [['*', '/a']], request: ['HEAD', '/a'], expect: found('* /a') },
  { name: 'RouteMethod.Any is "*"', routes: [[RouteMethod.Any, '/a']], request: ['DELETE', '/a'], expect: found('* /a') },
  { name: 'lower-case registration is upper-cased', routes: [['get', '/a']], request: ['GET', '/a'], expect: found('get /a') },
  {
    name: 'request methods are case-sensitive',
    routes: [['GET', '/a']],
    request: ['get', '/a'],
    expect: notAllowed('GET', 'HEAD', 'OPTIONS'),
  },

  // 405
  {
    name: '405 with sorted Allow incl. HEAD and OPTIONS',
    routes: [
      ['POST', '/items'],
      ['GET', '/items'],
      ['DELETE', '/items'],
    ],
    request: ['PUT', '/items'],
    expect: notAllowed('DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST'),
  },
  { name: '405 without GET has no HEAD', routes: [['POST', '/items']], request: ['GET', '/items'], expect: notAllowed('OPTIONS', 'POST') },
  {
    name: '405 on a param route',
    routes: [['GET', '/items/:id']],
    request: ['POST', '/items/3'],
    expect: notAllowed('GET', 'HEAD', 'OPTIONS'),
  },
  {
    name: '405 on a wildcard route',
    routes: [['GET', '/files/*']],
    request: ['POST', '/files/a/b'],
    expect: notAllowed('GET', 'HEAD', 'OPTIONS'),
  },
  {
    name: '405 Allow is the union over every route matching the path',
    routes: [
      ['GET', '/a/b'],
      ['POST', '/a/:x'],
      ['PUT', '/a/*'],
    ],
    request: ['DELETE', '/a/b'],
    expect: notAllowed('GET', 'HEAD', 'OPTIONS', 'POST', 'PUT'),
  },
  {
    name: '405 Allow does not include routes on other paths',
    routes: [
      ['GET', '/a'],
      ['POST', '/b'],
      ['PUT', '/a/c'],
    ],
    request: ['DELETE', '/a'],
    expect: notAllowed('GET', 'HEAD', 'OPTIONS'),
  },
  {
    name: 'OPTIONS without an OPTIONS route is a 405 the framework answers',
    routes: [['GET', '/a']],
    request: ['OPTIONS', '/a'],
    expect: notAllowed('GET', 'HEAD', 'OPTIONS'),
  },
  {
    name: 'explicit OPTIONS route',
    routes: [
      ['GET', '/a'],
      ['OPTIONS', '/a'],
    ],
    request: ['OPTIONS', '/a'],
    expect: found('OPTIONS /a'),
  },

  // a node whose method is missing does not stop the search
  {
    name: 'static node without the method falls back to a param route with it',
    routes: [
      ['GET', '/a/b'],
      ['POST', '/a/:x'],
    ],
    request: ['POST', '/a/b'],
    expect: found('POST /a/:x', { x: 'b' }),
  },
  {
    name: 'param node without the method falls back to a wildcard with it',
    routes: [
      ['GET', '/a/:x'],
      ['POST', '/a/*'],
    ],
    request: ['POST', '/a/b'],
    expect: found('POST /a/*', { '*': 'b' }),
  },
  {
    name: 'static node without the method falls back to a zero-segment wildcard',
    routes: [
      ['POST', '/static'],
      ['GET', '/static/*'],
    ],
    request: ['GET', '/static'],
    expect: found('GET /static/*', { '*': '' }),
  },
  {
    name: 'static node without the method falls back to Any on a lower branch',
    routes: [
      ['GET', '/a/b'],
      ['*', '/a/:x'],
    ],
    request: ['PATCH', '/a/b'],
    expect: found('* /a/:x', { x: 'b' }),
  },
  {
    name: 'HEAD falls back to GET on a lower branch before 405',
    routes: [
      ['POST', '/a/b'],
      ['GET', '/a/:x'],
    ],
    request: ['HEAD', '/a/b'],
    expect: found('GET /a/:x', { x: 'b' }),
  },

  // 404
  {
    name: '404 unknown path',
    routes: [
      ['GET', '/a'],
      ['GET', '/b/:id'],
    ],
    request: ['GET', '/c'],
    expect: notFound,
  },
  { name: '404 for a route prefix with a param', routes: [['GET', '/b/:id/x']], request: ['GET', '/b/1'], expect: notFound },
  { name: '404 for a deeper path', routes: [['GET', '/a']], request: ['GET', '/a/b'], expect: notFound },

  // percent-decoding
  {
    name: 'param %20 is decoded',
    routes: [['GET', '/tags/:tag']],
    request: ['GET', '/tags/hello%20world'],
    expect: found('GET /tags/:tag', { tag: 'hello world' }),
  },
  {
    name: 'param unicode is decoded',
    routes: [['GET', '/tags/:tag']],
    request: ['GET', '/tags/caf%C3%A9'],
    expect: found('GET /tags/:tag', { tag: 'café' }),
  },
  {
    name: 'encoded slash stays inside one param',
    routes: [
      ['GET', '/files/:name'],
      ['GET', '/files/:dir/:name'],
    ],
    request: ['GET', '/files/a%2Fb'],
    expect: found('GET /files/:name', { name: 'a/b' }),
  },
  {
    name: 'wildcard value is decoded',
    routes: [['GET', '/files/*']],
    request: ['GET', '/files/a%20b/c%2Fd'],
    expect: found('GET /files/*', { '*': 'a b/c/d' }),
  },
  {
    name: '"+" is not a space in a path',
    routes: [['GET', '/q/:v']],
    request: ['GET', '/q/a+b'],
    expect: found('GET /q/:v', { v: 'a+b' }),
  },
  { name: 'malformed escape in a param', routes: [['GET', '/tags/:tag']], request: ['GET', '/tags/%E0%A4%A'], expect: badRequest },
  { name: 'truncated escape in a param', routes: [['GET', '/tags/:tag']], request: ['GET', '/tags/abc%'], expect: badRequest },
  { name: 'invalid UTF-8 in a param', routes: [['GET', '/tags/:tag']], request: ['GET', '/tags/%FF'], expect: badRequest },
  { name: 'malformed escape in a wildcard', routes: [['GET', '/f/*']], request: ['GET', '/f/a/%zz'], expect: badRequest },
  {
    name: 'malformed escape on a static route is just a non-match',
    routes: [['GET', '/a']],
    request: ['GET', '/%zz'],
    expect: notFound,
  },
];

function check(lookup: RouteLookup<string>, expected: Expect): void {
  switch (expected.kind) {
    case 'found':
      expect(lookup).toEqual({ kind: 'found', match: { value: expected.value, params: expected.params } });
      if (lookup.kind === 'found' && expected.params === undefined) expect(lookup.match.params).toBeUndefined();
      break;
    case 'method-not-allowed':
      expect(lookup).toEqual(expected);
      break;
    case 'not-found':
      expect(lookup).toEqual({ kind: 'not-found' });
      break;
    case 'bad-request':
      expect(lookup.kind).toBe('bad-request');
      if (lookup.kind === 'bad-request') expect(lookup.reason).toMatch(/percent/i);
      break;
  }
}

describe('RouteTree conformance', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const tree = new RouteTree<string>();
    for (const [method, path] of c.routes) tree.add(method, path, `${method} ${path}`);
    check(tree.match(c.request[0], c.request[1]), c.expect);
  });

  it('gives the same answers whatever the registration order', () => {
    // Priority must come from the tree's shape, never from insertion order.
    for (const c of cases) {
      if (c.routes.length < 2) continue;
      const tree = new RouteTree<string>();
      for (const [method, path] of [...c.routes].reverse()) tree.add(method, path, `${method} ${path}`);
      check(tree.match(c.request[0], c.request[1]), c.expect);
    }
  });
});

describe('RouteTree results', () => {
  it('does not allocate params for a route without params', () => {
    const tree = new RouteTree<number>();
    tree.add('GET', '/a/b', 1);
    const first = tree.match('GET', '/a/b');
    expect(first).toEqual({ kind: 'found', match: { value: 1, params: undefined } });
    // the same (shared) result object every time, also through the walk
    expect(tree.match('GET', '/a/b')).toBe(first);
    expect(tree.match('GET', '/a/b/')).toBe(first);
  });

  it('keeps an earlier param result valid after later matches', () => {
    const tree = new RouteTree<string>();
    tree.add('GET', '/u/:id', 'u');
    tree.add('GET', '/p/:a/:b', 'p');
    const first = tree.match('GET', '/u/1');
    tree.match('GET', '/p/x/y');
    tree.match('GET', '/u/2');
    expect(first).toEqual({ kind: 'found', match: { value: 'u', params: { id: '1' } } });
  });

  it('serves many static siblings (table buckets) correctly', () => {
    const tree = new RouteTree<number>();
    const names: string[] = [];
    for (let i = 0; i < 200; i++) names.push(`r${i.toString(36)}x${i}`);
    names.forEach((n, i) => tree.add('GET', `/${n}`, i));
    names.forEach((n, i) => {
      expect(tree.match('GET', `/${n}`)).toEqual({ kind: 'found', match: { value: i, params: undefined } });
      expect(tree.match('GET', `/${n}/`)).toEqual({ kind: 'found', match: { value: i, params: undefined } });
    });
    expect(tree.match('GET', '/r0x')).toEqual({ kind: 'not-found' });
  });

  it('ignores non-ASCII request characters without throwing', () => {
    const tree = new RouteTree<string>();
    tree.add('GET', '/a', 'a');
    tree.add('GET', '/p/:v', 'p');
    expect(tree.match('GET', '/é')).toEqual({ kind: 'not-found' });
    expect(tree.match('GET', '/p/é')).toEqual({ kind: 'found', match: { value: 'p', params: { v: 'é' } } });
  });
});

describe('RouteTree.add conflicts', () => {
  // [name, first route, second route, a request the first route answers]
  const conflictCases: Array<[string, Route, Route, [string, string]]> = [
    ['identical routes', ['GET', '/users/:id'], ['GET', '/users/:id'], ['GET', '/users/1']],
    ['same shape, different param names', ['GET', '/users/:id'], ['GET', '/users/:name'], ['GET', '/users/1']],
    ['same shape, other param syntax', ['GET', '/users/:id'], ['GET', '/users/<id>'], ['GET', '/users/1']],
    ['same path after trailing-slash normalization', ['POST', '/a'], ['POST', '/a/'], ['POST', '/a']],
    ['two Any routes', ['*', '/a'], ['*', '/a'], ['GET', '/a']],
    ['two wildcards', ['GET', '/f/*'], ['GET', '/f/*'], ['GET', '/f/x']],
    ['method case', ['GET', '/a'], ['get', '/a'], ['GET', '/a']],
    ['static spelled encoded and unencoded', ['GET', '/café'], ['GET', '/caf%c3%a9'], ['GET', '/caf%C3%A9']],
  ];

  it.each(conflictCases)('%s', (_name, first, second, probe) => {
    const tree = new RouteTree<string>();
    tree.add(first[0], first[1], 'first');
    let error: unknown;
    try {
      tree.add(second[0], second[1], 'second');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RouteConflictError);
    const conflict = error as RouteConflictError<string>;
    expect(conflict.code).toBe('SLUICE_ROUTE_CONFLICT');
    expect(conflict.existing).toBe('first');
    expect(conflict.message).toContain(`${second[0].toUpperCase()} `);
    // the first registration still answers, the second was not stored
    expect(tree.match(probe[0], probe[1])).toMatchObject({ kind: 'found', match: { value: 'first' } });
    expect(tree.routes()).toHaveLength(1);
  });

  it('explains a same-shape conflict', () => {
    const tree = new RouteTree<string>();
    tree.add('GET', '/users/:id', 'a');
    expect(() => tree.add('GET', '/users/:name', 'b')).toThrow(/GET \/users\/:name conflicts with GET \/users\/:id.*same shape/);
  });

  const noConflict: Array<[string, Route, Route]> = [
    ['Any and GET on one shape', ['*', '/a'], ['GET', '/a']],
    ['GET and HEAD', ['GET', '/a'], ['HEAD', '/a']],
    ['param and static sibling', ['GET', '/a/:x'], ['GET', '/a/b']],
    ['param and wildcard sibling', ['GET', '/a/:x'], ['GET', '/a/*']],
    ['route and its wildcard', ['GET', '/a'], ['GET', '/a/*']],
    ['different param depth', ['GET', '/a/:x'], ['GET', '/a/:x/:y']],
  ];
  it.each(noConflict)('no conflict: %s', (_name, first, second) => {
    const tree = new RouteTree<string>();
    tree.add(first[0], first[1], 'first');
    expect(() => tree.add(second[0], second[1], 'second')).not.toThrow();
    expect(tree.routes()).toHaveLength(2);
  });

  it('rejects an invalid method', () => {
    const tree = new RouteTree<string>();
    expect(() => tree.add('GE T', '/a', 'x')).toThrow(TypeError);
    expect(() => tree.add('', '/a', 'x')).toThrow(TypeError);
  });
});

describe('RouteTree.add invalid patterns', () => {
  it.each(['users', '', '/a/:', '/a/<>', '/:id/:id', '/a/*/b', '/a?x=1', '/a#top', '/a/:id?', '/a//b', '/{id}'])(
    'rejects %j with RoutePathError',
    (path) => {
      const tree = new RouteTree<string>();
      expect(() => tree.add('GET', path, 'x')).toThrow(RoutePathError);
      expect(tree.routes()).toEqual([]);
    },
  );
});

describe('RouteTree.allowedMethods', () => {
  const tree = new RouteTree<string>();
  tree.add('GET', '/items', 'list');
  tree.add('POST', '/items', 'create');
  tree.add('GET', '/items/:id', 'read');
  tree.add('DELETE', '/items/:id', 'delete');
  tree.add('PUT', '/items/special', 'special');
  tree.add('POST', '/upload', 'upload');
  tree.add('*', '/proxy/*', 'proxy');

  it.each<[string, string[] | undefined]>([
    ['/items', ['GET', 'HEAD', 'OPTIONS', 'POST']],
    ['/items/', ['GET', 'HEAD', 'OPTIONS', 'POST']],
    ['/items/7', ['DELETE', 'GET', 'HEAD', 'OPTIONS']],
    // '/items/special' also matches '/items/:id': GET /items/special would be found there
    ['/items/special', ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PUT']],
    ['/upload', ['OPTIONS', 'POST']],
    ['/proxy/a/b', ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT']],
    ['/nothing', undefined],
    ['/items/7/x', undefined],
    ['relative', undefined],
  ])('%s', (path, expected) => {
    expect(tree.allowedMethods(path)).toEqual(expected);
  });

  it('agrees with match(): every allowed method is found', () => {
    for (const path of ['/items', '/items/7', '/items/special', '/upload']) {
      for (const method of tree.allowedMethods(path)!) {
        if (method === 'OPTIONS') continue;
        expect(tree.match(method, path).kind).toBe('found');
      }
    }
  });
});

describe('RouteTree.routes', () => {
  it('lists registrations in order with normalized paths and upper-case methods', () => {
    const tree = new RouteTree<number>();
    tree.add(RouteMethod.Get, '/users/<id>/', 1);
    tree.add('post', '/users', 2);
    tree.add('*', '/files/*', 3);
    expect(tree.routes()).toEqual([
      { method: 'GET', path: '/users/:id', value: 1 },
      { method: 'POST', path: '/users', value: 2 },
      { method: '*', path: '/files/*', value: 3 },
    ]);
  });
});
