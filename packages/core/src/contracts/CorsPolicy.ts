/**
 * Which cross-origin requests browsers may make. Without a policy (the default)
 * no CORS headers are sent and browsers refuse cross-origin reads.
 *
 * ```ts
 * c.cors = { origins: ['https://app.example.com'], credentials: true, maxAge: 600 };
 * ```
 */
export interface CorsPolicy {
  /** Allowed origins: `'*'`, a list of exact origins, or a predicate. */
  origins: '*' | readonly string[] | ((origin: string) => boolean);
  /** Methods allowed in preflight; default: the methods the route serves. */
  methods?: readonly string[];
  /** Request headers allowed in preflight; default: whatever the browser asks for. */
  allowHeaders?: readonly string[];
  /** Response headers scripts may read. */
  exposeHeaders?: readonly string[];
  /** Allow cookies / credentials (never combined with a literal `*` origin). */
  credentials?: boolean;
  /** How long browsers may cache a preflight answer, in seconds. */
  maxAge?: number;
}
