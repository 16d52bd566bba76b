import 'reflect-metadata';
import { afterAll, beforeAll } from '@jest/globals';
import { HttpServer } from '@sluice/core';
import { ssePlugin } from '@sluice/sse';
import { redisBackplane } from '@sluice/redis';
import { startHost } from '../../../test/support/host.js';
import { describeRegistryConformance } from '../../../test/support/registryConformance.js';
import { describeWithRedisCluster, RedisCluster } from './support/redisCluster.js';

describeWithRedisCluster('the redis backplane on a Redis Cluster', () => {
  let redis: RedisCluster;
  let cluster = 0;

  beforeAll(async () => {
    redis = await RedisCluster.start();
  }, 60_000);

  afterAll(async () => {
    await redis?.stop();
  });

  // Two hosts on a three-master cluster in this process. Each test has its own prefix, so its own
  // slot: the tests land on different masters.
  describeRegistryConformance('redis backplane, two nodes on a three-master Redis Cluster', async () => {
    const plugin = redisBackplane({
      cluster: { rootNodes: redis.rootNodes },
      channelPrefix: `conformance-${++cluster}`,
      heartbeatMs: 1000,
    });
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
