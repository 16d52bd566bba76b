import 'reflect-metadata';
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { injectable } from 'inversify';
import {
  HttpServer,
  HttpError,
  type HttpRequest,
  HttpResponse,
  RouteGet,
  RoutePost,
  RoutePrefix,
  type SluiceError,
  type HttpHost,
  type RequestHandler,
} from '@sluice/core';
import { thrownBy, asRecord } from '../../../test/support/host.js';

@RoutePrefix('/users')
@injectable()
class UsersController {
  @RouteGet('/:id')
  get(req: HttpRequest): unknown {
    return { id: req.params.id, expand: req.query.get('expand'), agent: req.header('user-agent') ?? null };
  }

  @RoutePost('/')
  async create(req: HttpRequest): Promise<HttpResponse> {
    const body = await req.json<{ name: string }>();
    return HttpResponse.json({ created: body }, 201).setHeader('Location', `/users/${body.name}`).setCookie('last', body.name);
  }

  @RouteGet('/:id/fail')
  fail(): string {
    throw new Error('secret failure');
  }

  @RouteGet('/:id/forbidden')
  forbidden(): string {
    throw new HttpError(403, 'not yours');
  }
}

const stamp: RequestHandler = {
  after(_req, res) {
    res.setHeader('x-stamped', 'yes');
  },
};

describe('host.inject', () => {
  let host: HttpHost;

  beforeAll(() => {
    host = HttpServer.createBuilder()
      .useListeningPort(0)
      .useConfiguration((c) => {
        c.logger = false;
      })
      .useControllers(UsersController)
      .useHandlers(stamp)
      .build();
    host.router.post('/echo', async (req) => ({ text: await req.text(), type: req.header('content-type') ?? null }));
    host.router.post('/echo-bytes', async (req) => await req.bytes());
  });

  afterAll(async () => {
    await host?.stop();
  });

  it('runs without start(): the host is not listening', async () => {
    const res = await host.inject({ url: '/users/1' });
    expect(res.status).toBe(200);
    expect(host.server.listening).toBe(false);
    expect((thrownBy(() => host.url) as SluiceError).code).toBe('SLUICE_HOST_STATE');
  });

  it('routes with params, query and headers', async () => {
    const res = await host.inject({ method: 'GET', url: '/users/J%C3%BCrgen?expand=posts', headers: { 'User-Agent': 'inject-test' } });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json()).toEqual({ id: 'Jürgen', expand: 'posts', agent: 'inject-test' });
  });

  it('round-trips a JSON body, with status, headers and cookies of the response', async () => {
    const res = await host.inject({ method: 'POST', url: '/users', body: { name: 'ada' } });
    expect(res.status).toBe(201);
    expect(res.json()).toEqual({ created: { name: 'ada' } });
    expect(res.headers['location']).toBe('/users/ada');
    expect(res.headers['x-stamped']).toBe('yes');
    const cookies = res.headers['set-cookie'];
    expect(Array.isArray(cookies) ? cookies : [cookies]).toEqual(['last=ada']);
  });

  it('sends a string body as is and bytes as bytes', async () => {
    const text = await host.inject({ method: 'POST', url: '/echo', body: 'plain body', headers: { 'content-type': 'text/plain' } });
    expect(text.json()).toEqual({ text: 'plain body', type: 'text/plain' });
    const bytes = await host.inject({ method: 'POST', url: '/echo-bytes', body: new Uint8Array([9, 8, 7]) });
    expect(bytes.status).toBe(200);
    expect([...bytes.bytes]).toEqual([9, 8, 7]);
  });

  it('answers 404 for an unknown path with the JSON error body', async () => {
    const res = await host.inject({ url: '/nowhere' });
    expect(res.status).toBe(404);
    const body = asRecord(res.json());
    expect(body.statusCode).toBe(404);
    expect(body.error).toBe('Not Found');
  });

  it('answers 405 with Allow for a wrong method', async () => {
    const res = await host.inject({ method: 'DELETE', url: '/users/1' });
    expect(res.status).toBe(405);
    expect(String(res.headers['allow'])).toContain('GET');
  });

  it('turns a handler exception into a generic 500', async () => {
    const res = await host.inject({ url: '/users/1/fail' });
    expect(res.status).toBe(500);
    expect(res.body).toBe('{"statusCode":500,"error":"Internal Server Error","message":"Internal Server Error"}');
  });

  it('turns an HttpError into its status and message', async () => {
    const res = await host.inject({ url: '/users/1/forbidden' });
    expect(res.status).toBe(403);
    expect(res.json()).toEqual({ statusCode: 403, error: 'Forbidden', message: 'not yours' });
  });

  it('gives 400 for a malformed JSON body', async () => {
    const res = await host.inject({ method: 'POST', url: '/users', body: '{bad', headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(400);
    expect(asRecord(res.json()).code).toBe('SLUICE_BODY_INVALID_JSON');
  });
});
