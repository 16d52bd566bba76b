import { createApp } from './app.js';

// `npm run dev` adds --dev: readable logs on a terminal, and the routes listed at start-up.
const dev = process.argv.includes('--dev');
const host = createApp({
  port: Number(process.env.PORT ?? 3000),
  // 127.0.0.1 only by default; the Dockerfile sets HOST=0.0.0.0 to be reachable from outside the container.
  hostname: process.env.HOST ?? '127.0.0.1',
  logging: dev && process.stdout.isTTY && canPrettyPrint() ? 'pretty' : 'json',
});
await host.start();

// Ctrl-C, or SIGTERM from a process manager, `docker stop` or `npm start`'s parent: stop
// accepting connections, end the event streams with a final event, let requests in flight
// finish, then exit.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void host.stop().then(() => process.exit(0));
  });
}

if (dev) {
  const routes = host.router.routes().map((route) => `  ${route.method.padEnd(7)} ${route.path.padEnd(16)} ${route.name}`);
  console.log(['Routes:', ...routes].join('\n')); // one write, which no log line can split
}
console.log(`__APP_NAME__ listening on ${host.url}`);

/** pino-pretty is a dev dependency: it is missing where only the production dependencies are installed. */
function canPrettyPrint(): boolean {
  try {
    import.meta.resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}
