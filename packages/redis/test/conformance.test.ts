import 'reflect-metadata';
import { afterAll, beforeAll } from '@jest/globals';
import { HttpServer } from '@sluice/core';
import { ssePlugin } from '@sluice/sse';
import { redisBackplane } from '@sluice/redis';
import { startHost } from '../../../test/support/host.js';
import { describeRegistryConformance } from '../../../test/support/registryConformance.js';
import { describeWithRedis, RedisServer } from './support/redisServer.js';

describeWithRedis('the redis backplane', () => {
  let redis: RedisServer;
  let cluster = 0;

  beforeAll(async () => {
    redis = await RedisServer.start();
  });

  afterAll(async () => {
    await redis.kill();
  });

  // Two hosts on one Redis in this process; each cluster gets its own prefix, so tests share nothing.
  describeRegistryConformance('redis backplane, two nodes on one redis', async () => {
    const plugin = redisBackplane({ url: redis.url, channelPrefix: `conformance-${++cluster}`, heartbeatMs: 1000 });
    const first = await startHost(HttpServer.createBuilder().usePlugin(ssePlugin()).usePlugin(plugin));
    const second = await startHost(HttpServer.createBuilder().usePlugin(ssePlugin()).usePlugin(plugin));
    return {
      hosts: [first.host, second.host],
      stop: async () => {
        await Promise.all([first.stop(), second.stop()]);
      },
    };
  });
});
