/**
 * HTTP/2 over TLS (`h2`, negotiated with ALPN): the certificate and key, in PEM.
 * HTTP/1.1 clients on the same port are served too unless `allowHTTP1` is `false`.
 */
export interface Http2TlsOptions {
  /** The private key (PEM). */
  readonly key: string | Buffer;
  /** The certificate chain (PEM). */
  readonly cert: string | Buffer;
  /** Serve clients that negotiate `http/1.1` (or no protocol) on the same port. Default `true`. */
  readonly allowHTTP1?: boolean;
  /** Streams a client may have open at once on one session (`SETTINGS_MAX_CONCURRENT_STREAMS`). Default 128. */
  readonly maxConcurrentStreams?: number;
  readonly cleartext?: false;
}

/**
 * HTTP/2 without TLS (`h2c`) with prior knowledge: the client speaks HTTP/2
 * from its first byte (no `Upgrade: h2c`). For tests, and behind a proxy that
 * terminates TLS. Browsers never speak h2c.
 */
export interface Http2CleartextOptions {
  readonly cleartext: true;
  /** Streams a client may have open at once on one session (`SETTINGS_MAX_CONCURRENT_STREAMS`). Default 128. */
  readonly maxConcurrentStreams?: number;
}

/** What `useHttp2(...)` takes: a certificate (h2 over TLS), or `{ cleartext: true }` (h2c). */
export type Http2Options = Http2TlsOptions | Http2CleartextOptions;

/** Default `SETTINGS_MAX_CONCURRENT_STREAMS`: at least the 100 RFC 9113 recommends, as nginx (128). */
export const defaultMaxConcurrentStreams = 128;
