import { EventSourceRegistry } from '@sluice/sse';
import { createApp } from './app.js';
import { readEnvironment, type Environment } from './environment.js';

let environment: Environment;
try {
  environment = readEnvironment();
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}

const { port, pingIntervalMs, idleTimeoutMs } = environment;
const host = createApp(port, { pingIntervalMs, idleTimeoutMs, accessLog: true });
await host.start();
if (process.argv.includes('--dev')) {
  // npm run dev: the routes, at every restart.
  for (const route of host.router.routes()) console.log(`  ${route.method.padEnd(7)} ${route.path.padEnd(36)} ${route.name}`);
}

// The registry announces every identified stream as it opens and closes.
const sources = host.container.get(EventSourceRegistry);
sources.on('registered', (stream) => host.logger?.info({ stream: stream.identifier, open: sources.count }, 'stream opened'));
sources.on('unregistered', (stream) => host.logger?.info({ stream: stream.identifier, open: sources.count }, 'stream closed'));

console.log(`Sluice notifications sample listening on ${host.url}`);
console.log(`  curl -N ${host.url}/notifications/ops-ada/stream`);
console.log(`  curl -X POST ${host.url}/notifications/user -H 'content-type: application/json' -d '{"userId":"ops-ada","text":"hi"}'`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void host.stop().then(() => process.exit(0));
  });
}
