import { describe, expect, it } from '@jest/globals';
import { readEnvironment } from '../src/environment.js';

describe('readEnvironment', () => {
  it('defaults to port 3000, pings every 10 s and a 60 s idle timeout', () => {
    expect(readEnvironment({})).toEqual({ port: 3000, pingIntervalMs: 10_000, idleTimeoutMs: 60_000 });
    expect(readEnvironment({ PORT: '' })).toMatchObject({ port: 3000 });
  });

  it('takes PORT, PING_INTERVAL_MS and IDLE_TIMEOUT_MS', () => {
    expect(readEnvironment({ PORT: '8080', PING_INTERVAL_MS: '500', IDLE_TIMEOUT_MS: ' 5000 ' })).toEqual({
      port: 8080,
      pingIntervalMs: 500,
      idleTimeoutMs: 5_000,
    });
    expect(readEnvironment({ PORT: '0' })).toMatchObject({ port: 0 });
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT must be an integer from 0 to 65535, got "abc"'],
    [{ PORT: '65536' }, 'PORT must be an integer from 0 to 65535, got "65536"'],
    [{ PORT: '-1' }, 'PORT must be an integer from 0 to 65535, got "-1"'],
    [{ PORT: '3000.5' }, 'PORT must be an integer from 0 to 65535, got "3000.5"'],
    [{ PING_INTERVAL_MS: '0' }, 'PING_INTERVAL_MS must be an integer from 1 to 2147483647, got "0"'],
    [{ IDLE_TIMEOUT_MS: '1e3' }, 'IDLE_TIMEOUT_MS must be an integer from 1 to 2147483647, got "1e3"'],
  ])('rejects %j', (env, message) => {
    expect(() => readEnvironment(env)).toThrow(message);
  });
});
