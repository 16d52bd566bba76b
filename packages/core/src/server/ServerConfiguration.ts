import type { Logger, LoggerOptions } from 'pino';
import { SluiceError, ErrorCodes } from '../errors.js';
import type { CompressionOptions } from '../contracts/CompressionOptions.js';
import type { CorsPolicy } from '../contracts/CorsPolicy.js';

/**
 * Everything a host can be tuned with, with safe defaults. Change it through
 * `HttpServer.createBuilder().useConfiguration(c => { c.maxBodySize = 4 << 20; })`.
 */
export class ServerConfiguration {
  /** Largest accepted request body, in bytes; past it the request gets 413. Default 1 MiB. */
  maxBodySize = 1024 * 1024;
  /** Largest accepted request head (request line + headers), in bytes; past it 431. Default 16 KiB. */
  maxHeaderSize = 16 * 1024;
  /** Time a client has to send the complete request head (slowloris guard), ms. Default 10 s. */
  headersTimeout = 10_000;
  /**
   * Time a handler has to start its response, ms; past it the client gets 503 and the
   * handler's `request.signal` is aborted. Also bounds receiving the whole request. 0 disables. Default 30 s.
   * Streams (SSE) stop this clock once their head is sent.
   */
  requestTimeout = 30_000;
  /** How long an idle keep-alive connection is kept open, ms. Default 5 s. */
  keepAliveTimeout = 5_000;
  /** How long `host.stop()` waits for in-flight requests before destroying their sockets, ms. Default 10 s. */
  shutdownGracePeriod = 10_000;
  /** Cross-origin policy; `undefined` (the default) sends no CORS headers, so browsers refuse cross-origin reads. */
  cors: CorsPolicy | undefined = undefined;
  /**
   * Request header whose value becomes `request.id` when present (e.g. `'x-request-id'` behind a proxy
   * that sets it). `undefined` (default): ids are always generated.
   */
  requestIdHeader: string | undefined = undefined;
  /** Writes one pino line per request (method, path, status, ms, id). Default off. */
  accessLog = false;
  /** A pino logger, pino options, or `false` for no logging at all. Default: pino at level `info`. */
  logger: Logger | LoggerOptions | false = {};
  /**
   * Whether to believe `X-Forwarded-For` / `X-Forwarded-Proto` for `remoteAddress` and `protocol`:
   * `false` (default), `true` (the left-most address), or the number of proxies in front of us.
   */
  trustProxy: boolean | number = false;
  /** gzip/brotli for compressible responses; `undefined` (default) = off. */
  compression: CompressionOptions | undefined = undefined;
}

/** Throws `SLUICE_INVALID_CONFIGURATION` naming the first bad value. */
export function validateConfiguration(c: ServerConfiguration): void {
  const nonNegative: Array<keyof ServerConfiguration> = [
    'maxBodySize',
    'maxHeaderSize',
    'headersTimeout',
    'requestTimeout',
    'keepAliveTimeout',
    'shutdownGracePeriod',
  ];
  for (const key of nonNegative) {
    const value = c[key];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new SluiceError(
        ErrorCodes.InvalidConfiguration,
        `Configuration ${key} must be a non-negative number of ${key.endsWith('Size') ? 'bytes' : 'ms'}, got ${String(value)}`,
      );
    }
  }
  if (c.requestTimeout > 0 && c.headersTimeout > c.requestTimeout) {
    throw new SluiceError(
      ErrorCodes.InvalidConfiguration,
      `headersTimeout (${c.headersTimeout} ms) must not exceed requestTimeout (${c.requestTimeout} ms)`,
    );
  }
}
