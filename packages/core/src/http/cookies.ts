/** Options of a `Set-Cookie` header (RFC 6265bis attributes). */
export interface CookieOptions {
  domain?: string;
  path?: string;
  /** Absolute expiry; prefer `maxAge`. */
  expires?: Date;
  /** Lifetime in seconds. */
  maxAge?: number;
  httpOnly?: boolean;
  secure?: boolean;
  sameSite?: 'Strict' | 'Lax' | 'None';
  partitioned?: boolean;
}

// RFC 6265 token characters for a cookie name; values may not hold CTLs, whitespace, DQUOTE, comma,
// semicolon or backslash, so anything else is percent-encoded instead of rejected.
const cookieNamePattern = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const attributeValuePattern = /^[^\u0000-\u001f\u007f;]*$/;

/** Serializes one `Set-Cookie` header value; throws on a name or attribute that would inject. */
export function serializeCookie(name: string, value: string, options: CookieOptions = {}): string {
  if (!cookieNamePattern.test(name)) throw new TypeError(`Invalid cookie name ${JSON.stringify(name)}`);
  let out = `${name}=${encodeURIComponent(value)}`;
  if (options.maxAge !== undefined) {
    if (!Number.isFinite(options.maxAge)) throw new TypeError('Cookie maxAge must be a finite number of seconds');
    out += `; Max-Age=${Math.floor(options.maxAge)}`;
  }
  if (options.expires) out += `; Expires=${options.expires.toUTCString()}`;
  if (options.domain) out += `; Domain=${checkAttribute('domain', options.domain)}`;
  if (options.path) out += `; Path=${checkAttribute('path', options.path)}`;
  if (options.httpOnly) out += '; HttpOnly';
  if (options.secure || options.sameSite === 'None' || options.partitioned) out += '; Secure';
  if (options.sameSite) out += `; SameSite=${options.sameSite}`;
  if (options.partitioned) out += '; Partitioned';
  return out;
}

function checkAttribute(name: string, value: string): string {
  if (!attributeValuePattern.test(value)) throw new TypeError(`Invalid cookie ${name} ${JSON.stringify(value)}`);
  return value;
}

/** Parses a `Cookie` request header into a record; the first occurrence of a name wins. */
export function parseCookieHeader(header: string | undefined): Record<string, string> {
  const cookies: Record<string, string> = Object.create(null) as Record<string, string>;
  if (!header) return cookies;
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const name = pair.slice(0, eq).trim();
    if (!name || name in cookies) continue;
    let value = pair.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    cookies[name] = safeDecode(value);
  }
  return cookies;
}

function safeDecode(value: string): string {
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
