import 'reflect-metadata';
import { HttpServer } from '@sluice/core';
import { ssePlugin } from '@sluice/sse';
import { startHost } from '../../../test/support/host.js';
import { describeRegistryConformance } from '../../../test/support/registryConformance.js';

describeRegistryConformance('in-process registry', async () => {
  const server = await startHost(HttpServer.createBuilder().usePlugin(ssePlugin()));
  return { hosts: [server.host], stop: () => server.stop() };
});
