import { existsSync, readFileSync } from 'node:fs';
import type { Http2Options } from '@sluice/core';
import { createApp } from './app.js';

const port = Number(process.env.PORT ?? 3000);
const host = createApp(port, { accessLog: true, http2: http2FromEnvironment() });
await host.start();
if (process.argv.includes('--dev')) {
  // npm run dev: the routes, at every restart.
  for (const route of host.router.routes()) console.log(`  ${route.method.padEnd(7)} ${route.path.padEnd(36)} ${route.name}`);
}
console.log(`Sluice chat is running at ${host.url}/ (open it in two browser windows; Ctrl+C stops it)`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.log(`${signal}: stopping (streams get a final event, then close)`);
    void host.stop().then(() => process.exit(0));
  });
}

/**
 * `HTTP2=1`: HTTP/2 over TLS with the certificate at `HTTPS_CERT` and its key at
 * `HTTPS_KEY` (default `dev-cert.pem` and `dev-key.pem` in the working directory,
 * made by the openssl line in docs/http2.md). Unset: HTTP/1.1.
 */
function http2FromEnvironment(): Http2Options | undefined {
  if (process.env.HTTP2 === undefined || process.env.HTTP2 === '' || process.env.HTTP2 === '0') return undefined;
  const certPath = process.env.HTTPS_CERT ?? 'dev-cert.pem';
  const keyPath = process.env.HTTPS_KEY ?? 'dev-key.pem';
  if (!existsSync(certPath) || !existsSync(keyPath)) {
    console.error(
      `HTTP2=1 needs a certificate (${certPath}) and its key (${keyPath}). Make a development pair with \`npx sluice dev-cert\`, or:\n` +
        `  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 -subj /CN=localhost \\\n` +
        `    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -keyout dev-key.pem -out dev-cert.pem`,
    );
    process.exit(1);
  }
  return { key: readFileSync(keyPath), cert: readFileSync(certPath) };
}
