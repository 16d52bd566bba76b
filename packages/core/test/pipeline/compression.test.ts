import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { HttpResponse, HttpServer } from '@sluice/core';
import { isCompressible } from '../../src/pipeline/compression.js';
import { contentTypeFor } from '../../src/static/contentTypes.js';
import { startHost, type StartedHost } from '../../../../test/support/host.js';
import { nodeRequest } from '../helpers/http.js';

describe('isCompressible', () => {
  const compressible = [
    'text/html; charset=utf-8',
    'text/plain',
    'text/css',
    'text/javascript; charset=utf-8',
    'text/csv',
    'TEXT/Markdown; charset=UTF-8',
    'application/json',
    'application/json; charset=utf-8',
    'application/ld+json',
    'application/manifest+json',
    'application/javascript',
    'application/xml',
    'application/atom+xml',
    'image/svg+xml',
    'application/wasm',
  ];
  const notCompressible = [
    'text/event-stream',
    'text/event-stream; charset=utf-8',
    ' Text/Event-Stream ',
    'image/png',
    'image/jpeg',
    'font/woff2',
    'video/mp4',
    'audio/mpeg',
    'application/zip',
    'application/gzip',
    'application/pdf',
    'application/octet-stream',
    '',
    'json',
  ];
  it.each(compressible)('%s is compressible', (type) => {
    expect(isCompressible(type)).toBe(true);
  });
  it.each(notCompressible)('%j is not compressible', (type) => {
    expect(isCompressible(type)).toBe(false);
  });

  it('agrees with contentTypeFor on the text types it produces', () => {
    for (const file of ['a.html', 'a.css', 'a.js', 'a.json', 'a.map', 'a.txt', 'a.md', 'a.csv', 'a.xml', 'a.svg', 'a.wasm']) {
      expect([file, isCompressible(contentTypeFor(file))]).toEqual([file, true]);
    }
    for (const file of ['a.png', 'a.woff2', 'a.mp4', 'a.zip', 'a.gz', 'a.pdf', 'a.bin']) {
      expect([file, isCompressible(contentTypeFor(file))]).toEqual([file, false]);
    }
  });
});

describe('the server compresses by the same rule', () => {
  let started: StartedHost;
  // Types where the server's old pattern and isCompressible disagreed, and a few where they agree.
  const types = ['application/wasm', 'application/json-seq', 'application/json', 'text/event-stream', 'image/png', 'image/svg+xml'];

  beforeAll(async () => {
    started = await startHost(
      HttpServer.createBuilder().useConfiguration((c) => {
        c.compression = {};
      }),
    );
    started.host.router.get('/typed', (req) => new HttpResponse(200, 'a'.repeat(4096), { 'content-type': req.query.get('type') ?? '' }));
  });
  afterAll(async () => {
    await started?.stop();
  });

  it.each(types)('%s is compressed exactly when isCompressible says so', async (type) => {
    const res = await nodeRequest(`${started.url}/typed?type=${encodeURIComponent(type)}`, { headers: { 'accept-encoding': 'gzip' } });
    expect(res.status).toBe(200);
    expect(res.headers['content-encoding']).toBe(isCompressible(type) ? 'gzip' : undefined);
  });
});
