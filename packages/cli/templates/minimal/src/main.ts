import { createApp } from './app.js';

// Listens on 127.0.0.1 only; pass `hostname: '0.0.0.0'` to be reachable from other machines (or a container's host).
const host = createApp({ port: Number(process.env.PORT ?? 3000), logging: true });
await host.start();

// Ctrl-C, or SIGTERM from a process manager: stop accepting connections, end the
// event streams with a final event, let requests in flight finish, then exit.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void host.stop().then(() => process.exit(0));
  });
}
console.log(`__APP_NAME__ listening on ${host.url}`);
