import { describe, expect, it } from '@jest/globals';
import { createClient, createCluster } from 'redis';
import type { SluiceError } from '@sluice/core';
import { RedisErrorCodes, type RedisBackplaneOptions } from '@sluice/redis';
import { resolveRedisOptions } from '../src/RedisBackplaneOptions.js';

/** The code a resolution throws, or 'ok'. */
function outcome(options: unknown): string {
  try {
    resolveRedisOptions(options as RedisBackplaneOptions);
    return 'ok';
  } catch (error) {
    return (error as SluiceError).code;
  }
}

describe('redisBackplane options', () => {
  it('takes exactly one of url, client and cluster', () => {
    const client = createClient({ url: 'redis://127.0.0.1:1' });
    const rootNodes = ['redis://127.0.0.1:1'];
    const invalid = RedisErrorCodes.InvalidOption;
    expect(
      [
        {},
        { url: 'redis://127.0.0.1:1', client },
        { url: 'redis://127.0.0.1:1', cluster: { rootNodes } },
        { client, cluster: { rootNodes } },
        { url: 'http://127.0.0.1:1' },
        { cluster: { rootNodes: [] } },
        { cluster: { rootNodes: ['127.0.0.1:7000'] } },
        { cluster: ['redis://127.0.0.1:1'] },
        { cluster: null },
        { client: 'redis://127.0.0.1:1' },
      ].map(outcome),
    ).toEqual(Array.from({ length: 10 }, () => invalid));
    expect(
      [{ url: 'rediss://cache:6380' }, { client }, { cluster: { rootNodes: ['redis://a:7000', 'rediss://b:7001'] } }].map(outcome),
    ).toEqual(['ok', 'ok', 'ok']);
  });

  it('tells a cluster client (createCluster) from a single-server one (createClient)', () => {
    const cluster = createCluster({ rootNodes: [{ url: 'redis://127.0.0.1:1' }] });
    const client = createClient({ url: 'redis://127.0.0.1:1' });
    expect(resolveRedisOptions({ client: cluster }).target.mode).toBe('cluster');
    expect(resolveRedisOptions({ client }).target.mode).toBe('standalone');
    expect(resolveRedisOptions({ cluster: { rootNodes: ['redis://127.0.0.1:1'] } }).target).toEqual({
      mode: 'cluster',
      rootNodes: ['redis://127.0.0.1:1'],
    });
    expect(resolveRedisOptions({ url: 'redis://127.0.0.1:1' }).target).toEqual({ mode: 'standalone', url: 'redis://127.0.0.1:1' });
  });
});
