import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { HttpHost } from '@sluice/core';
import { EventSourceRegistry } from '@sluice/sse';
import { closeClients, getJson, openUserStream, post, startApp } from './helpers.js';

const idRule = '1 to 64 characters: lower-case letters, digits and _ in segments joined by - (e.g. 42, ops-ada)';

const user = '/notifications/user';
const group = '/notifications/group';
const broadcast = '/notifications/broadcast';
const badId = `must be ${idRule}`;

/** [what, path, body (a string is sent as is), the error message]: all 400 NOTIFICATIONS_INVALID_BODY. */
const badBodies: Array<[string, string, unknown, string]> = [
  ['an array', user, [], 'The body must be a JSON object with the fields userId, text'],
  ['null', group, null, 'The body must be a JSON object with the fields group, text'],
  ['a string', broadcast, '"hi"', 'The body must be a JSON object with the fields text'],
  ['no fields', user, {}, 'Invalid body: userId is required; text is required'],
  ['a number as userId', user, { userId: 42, text: 'hi' }, 'Invalid body: userId must be a string'],
  ['an upper-case userId', user, { userId: 'Ops-Ada', text: 'hi' }, `Invalid body: userId ${badId}`],
  ['an empty segment', user, { userId: 'ops--ada', text: 'hi' }, `Invalid body: userId ${badId}`],
  ['a path in userId', user, { userId: '../42', text: 'hi' }, `Invalid body: userId ${badId}`],
  ['a 65-character userId', user, { userId: 'a'.repeat(65), text: 'hi' }, `Invalid body: userId ${badId}`],
  ['blank text', user, { userId: '42', text: ' \n ' }, 'Invalid body: text must not be empty'],
  ['text too long', broadcast, { text: 'x'.repeat(1_001) }, 'Invalid body: text must be at most 1000 characters'],
  ['a list as text', broadcast, { text: ['hi'] }, 'Invalid body: text must be a string'],
  ['a misspelt field', user, { userid: '42', text: 'hi' }, 'Invalid body: userId is required; unknown field "userid"'],
  ['no group', group, { text: 'hi' }, 'Invalid body: group is required'],
  ['a group ending in a dash', group, { group: 'ops-', text: 'hi' }, `Invalid body: group ${badId}`],
  ['a userId for a broadcast', broadcast, { text: 'hi', userId: '42' }, 'Invalid body: unknown field "userId"'],
];

/** Bodies that are not JSON at all get the framework's own 400. */
const notJson: Array<[string, string, string]> = [
  ['malformed JSON', '{"userId": ', 'The request body is not valid JSON'],
  ['an empty body', '', 'The request body is empty; expected JSON'],
];

describe('bad input', () => {
  let host: HttpHost;
  beforeAll(async () => {
    host = await startApp();
  });
  afterAll(async () => {
    closeClients();
    await host.stop();
  });

  it.each(badBodies)('POST with %s answers 400 saying what is wrong', async (_what, path, body, message) => {
    const answer = await post(host, path, body);
    expect(answer).toEqual({
      status: 400,
      body: { statusCode: 400, error: 'Bad Request', code: 'NOTIFICATIONS_INVALID_BODY', message },
    });
  });

  it.each(notJson)('POST with %s answers 400 SLUICE_BODY_INVALID_JSON', async (_what, body, message) => {
    const answer = await post(host, user, body);
    expect(answer).toEqual({
      status: 400,
      body: { statusCode: 400, error: 'Bad Request', code: 'SLUICE_BODY_INVALID_JSON', message: expect.stringContaining(message) },
    });
  });

  it('answers 404 for a well-formed user who has no stream open', async () => {
    const answer = await post(host, '/notifications/user', { userId: 'ops-nobody', text: 'hi' });
    expect(answer).toEqual({
      status: 404,
      body: {
        statusCode: 404,
        error: 'Not Found',
        code: 'NOTIFICATIONS_NOT_CONNECTED',
        message: 'User ops-nobody is not connected: no open stream user-ops-nobody',
      },
    });
  });

  it.each(['Ada', 'ada%21', 'ops--ada', '-ada', 'a'.repeat(65)])(
    'answers 400, not a stream, for the stream of user id %s',
    async (userId) => {
      const res = await fetch(`${host.url}/notifications/${userId}/stream`);

      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(await res.json()).toMatchObject({ code: 'NOTIFICATIONS_INVALID_USER_ID', message: `Invalid user id: it must be ${idRule}` });
      expect(host.container.get(EventSourceRegistry).stats().open).toBe(0);
    },
  );

  it.each(['', 'Ops', 'ops-', 'ops eu'])('answers 400 to connections?group=%s', async (group) => {
    const answer = await getJson(host, `/notifications/connections?group=${encodeURIComponent(group)}`);
    expect(answer).toEqual({
      status: 400,
      body: { statusCode: 400, error: 'Bad Request', code: 'NOTIFICATIONS_INVALID_GROUP', message: `Invalid group: it must be ${idRule}` },
    });
  });

  it('still serves after all that', async () => {
    await openUserStream(host, '42');
    expect(await post(host, '/notifications/user', { userId: '42', text: 'fine' })).toMatchObject({ status: 202 });
  });
});
