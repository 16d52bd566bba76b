import type { HttpRequest } from '../http/HttpRequest.js';
import type { HeaderValue } from '../http/HttpResponse.js';
import type { CorsPolicy } from '../contracts/CorsPolicy.js';

function originAllowed(policy: CorsPolicy, origin: string): boolean {
  const { origins } = policy;
  if (origins === '*') return true;
  if (typeof origins === 'function') return origins(origin);
  return origins.includes(origin);
}

/** Adds the CORS headers of an actual (non-preflight) request to `headers`. */
export function applyCorsHeaders(policy: CorsPolicy, request: HttpRequest, headers: Record<string, HeaderValue>): void {
  const origin = request.header('origin');
  if (origin === undefined || !originAllowed(policy, origin)) {
    // The answer depends on Origin whenever the policy is not a plain '*': say so even when
    // no CORS header is sent, or a shared cache may hand this answer to an allowed origin.
    if (policy.origins !== '*' || policy.credentials) headers['vary'] = appendVary(headers['vary'], 'Origin');
    return;
  }
  setOrigin(policy, origin, headers);
  if (policy.exposeHeaders?.length) headers['access-control-expose-headers'] = policy.exposeHeaders.join(', ');
}

/** True when a request is a CORS preflight (`OPTIONS` + `Origin` + `Access-Control-Request-Method`). */
export function isPreflight(request: HttpRequest): boolean {
  return (
    request.method === 'OPTIONS' && request.header('origin') !== undefined && request.header('access-control-request-method') !== undefined
  );
}

/** The headers of a preflight answer, or undefined when the origin is not allowed. */
export function preflightHeaders(
  policy: CorsPolicy,
  request: HttpRequest,
  allowed: readonly string[],
): Record<string, HeaderValue> | undefined {
  const origin = request.header('origin');
  if (origin === undefined || !originAllowed(policy, origin)) return undefined;
  const headers: Record<string, HeaderValue> = {};
  setOrigin(policy, origin, headers);
  headers['access-control-allow-methods'] = (policy.methods ?? allowed).join(', ');
  const asked = request.header('access-control-request-headers');
  const allowHeaders = policy.allowHeaders ? policy.allowHeaders.join(', ') : asked;
  if (allowHeaders) headers['access-control-allow-headers'] = allowHeaders;
  if (policy.maxAge !== undefined) headers['access-control-max-age'] = String(Math.floor(policy.maxAge));
  return headers;
}

function setOrigin(policy: CorsPolicy, origin: string, headers: Record<string, HeaderValue>): void {
  // With credentials, or a list/predicate, echo the origin and say the answer varies by it.
  if (policy.origins === '*' && !policy.credentials) {
    headers['access-control-allow-origin'] = '*';
  } else {
    headers['access-control-allow-origin'] = origin;
    headers['vary'] = appendVary(headers['vary'], 'Origin');
  }
  if (policy.credentials) headers['access-control-allow-credentials'] = 'true';
}

/** Adds a token to a `Vary` header value. */
export function appendVary(existing: HeaderValue | undefined, token: string): string {
  if (existing === undefined || existing === '') return token;
  const text = Array.isArray(existing) ? existing.join(', ') : String(existing);
  return text.split(',').some((t) => t.trim().toLowerCase() === token.toLowerCase()) ? text : `${text}, ${token}`;
}
