import { describe, it, expect } from '@jest/globals';
import { parseRoutePath, joinRoutePaths, RoutePathError, type RouteSegment } from '../../src/routing/parseRoutePath.js';

const s = (value: string): RouteSegment => ({ kind: 'static', value });
const p = (name: string): RouteSegment => ({ kind: 'param', name });
const w: RouteSegment = { kind: 'wildcard', name: '*' };

describe('parseRoutePath', () => {
  it.each<[string, RouteSegment[], string]>([
    ['/', [], '/'],
    ['/users', [s('users')], '/users'],
    ['/users/', [s('users')], '/users'],
    ['/users/:id', [s('users'), p('id')], '/users/:id'],
    ['/users/<id>', [s('users'), p('id')], '/users/:id'],
    ['/users/<id>/posts/:post_id', [s('users'), p('id'), s('posts'), p('post_id')], '/users/:id/posts/:post_id'],
    ['/static/*', [s('static'), w], '/static/*'],
    ['/static/*/', [s('static'), w], '/static/*'],
    ['/*', [w], '/*'],
    ['/:a/*', [p('a'), w], '/:a/*'],
    ['/v1/models/gpt:generate', [s('v1'), s('models'), s('gpt:generate')], '/v1/models/gpt:generate'],
    ["/a.b-c_d~e/@x/!$&'()+,;=", [s('a.b-c_d~e'), s('@x'), s("!$&'()+,;=")], "/a.b-c_d~e/@x/!$&'()+,;="],
    ['/café', [s('caf%C3%A9')], '/caf%C3%A9'],
    ['/caf%c3%a9', [s('caf%C3%A9')], '/caf%C3%A9'],
    ['/a b', [s('a%20b')], '/a%20b'],
    ['/emoji/😀', [s('emoji'), s('%F0%9F%98%80')], '/emoji/%F0%9F%98%80'],
    ['/100%25', [s('100%25')], '/100%25'],
    ['/CaSe', [s('CaSe')], '/CaSe'],
  ])('%j', (path, segments, normalized) => {
    expect(parseRoutePath(path)).toEqual({ segments, normalized });
  });

  it.each<[string, RegExp]>([
    ['users', /must start with "\/"/],
    ['', /must start with "\/"/],
    ['/a/:', /empty parameter name/],
    ['/a/<>', /empty parameter name/],
    ['/:id/x/:id', /"id" appears twice/],
    ['/:id/<id>', /"id" appears twice/],
    ['/a/*/b', /wildcard "\*" must be the last segment/],
    ['/*/*', /must be the last segment/],
    ['/files/*.js', /"\*" inside the segment/],
    ['/a?x=1', /query string/],
    ['/a#top', /fragment/],
    ['/a/:id?', /optional parameters/],
    ['/a//b', /empty/],
    ['//', /empty/],
    ['/files/:name.json', /parameter name "name.json" is not valid/],
    ['/:1st', /not valid/],
    ['/:__proto__', /not valid/],
    ['/users/{id}', /":name" or "<name>"/],
    ['/a<b', /inside the segment/],
    ['/<id', /inside the segment/],
    ['/50%', /malformed percent-escape/],
    ['/%zz', /malformed percent-escape/],
    ['/a\nb', /control character/],
    ['/\uD800x', /surrogate/],
  ])('rejects %j', (path, message) => {
    let error: unknown;
    try {
      parseRoutePath(path);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RoutePathError);
    const err = error as RoutePathError;
    expect(err.code).toBe('SLUICE_ROUTE_INVALID_PATH');
    expect(err.path).toBe(path);
    expect(err.message).toContain(JSON.stringify(path));
    expect(err.message).toMatch(message);
  });

  it('suggests the fix for a missing leading slash', () => {
    expect(() => parseRoutePath('users/:id')).toThrow('Write "/users/:id" instead.');
  });
});

describe('joinRoutePaths', () => {
  it.each<[string, string, string]>([
    ['/events', '/:user', '/events/:user'],
    ['/events/', '/:user', '/events/:user'],
    ['events', ':user', '/events/:user'],
    ['/events//', '//:user/', '/events/:user'],
    ['', '', '/'],
    ['/', '/', '/'],
    ['', '/users', '/users'],
    ['/api', '', '/api'],
    ['/api', '/', '/api'],
    ['/api/v1', 'users/*', '/api/v1/users/*'],
  ])('%j + %j', (prefix, path, expected) => {
    expect(joinRoutePaths(prefix, path)).toBe(expected);
  });

  it('produces paths parseRoutePath accepts', () => {
    expect(parseRoutePath(joinRoutePaths('api/', '//<id>/')).normalized).toBe('/api/:id');
  });
});
