import { createApp } from './app.js';

const port = Number(process.env.PORT ?? 3000);
const host = createApp(port, { accessLog: true });
await host.start();
if (process.argv.includes('--dev')) {
  // npm run dev: the routes, at every restart.
  for (const route of host.router.routes()) console.log(`  ${route.method.padEnd(7)} ${route.path.padEnd(36)} ${route.name}`);
}
console.log(
  `Sluice hello sample listening on ${host.url}  (try ${host.url}/hello, ${host.url}/users/42, curl -N ${host.url}/events/alice)`,
);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void host.stop().then(() => process.exit(0));
  });
}
