import { promisify } from 'node:util';
import { brotliCompress, gzip, constants as zlib } from 'node:zlib';
import type { CompressionOptions } from '../contracts/CompressionOptions.js';

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

/** Picks an encoding the client accepts, or undefined. */
export function chooseEncoding(acceptEncoding: string | undefined, options: CompressionOptions): 'br' | 'gzip' | undefined {
  if (!acceptEncoding) return undefined;
  const accepted = parseAcceptEncoding(acceptEncoding);
  for (const encoding of options.encodings ?? ['br', 'gzip']) {
    const q = accepted.get(encoding) ?? accepted.get('*');
    if (q !== undefined && q > 0) return encoding;
  }
  return undefined;
}

function parseAcceptEncoding(header: string): Map<string, number> {
  const result = new Map<string, number>();
  for (const part of header.split(',')) {
    const [name, ...params] = part.trim().split(';');
    if (!name) continue;
    let q = 1;
    for (const param of params) {
      const [key, value] = param.trim().split('=');
      if (key === 'q' && value !== undefined) q = Number(value) || 0;
    }
    result.set(name.toLowerCase(), q);
  }
  return result;
}

/** Whether a body of this type and size is worth compressing. */
export function shouldCompress(contentType: string | undefined, size: number, options: CompressionOptions): boolean {
  return contentType !== undefined && size >= (options.threshold ?? 1024) && isCompressible(contentType);
}

/**
 * Whether a body of this content type is worth compressing: text (except
 * `text/event-stream`, which must reach the client unbuffered), JSON,
 * JavaScript, XML (including `+json` / `+xml` types and SVG) and WebAssembly.
 * Images, fonts, audio, video and archives are compressed already.
 */
export function isCompressible(contentType: string): boolean {
  const semicolon = contentType.indexOf(';');
  const essence = (semicolon < 0 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
  if (essence.startsWith('text/')) return essence !== 'text/event-stream';
  const slash = essence.indexOf('/');
  if (slash <= 0) return false;
  const subtype = essence.slice(slash + 1);
  return (
    subtype === 'json' ||
    subtype.endsWith('+json') ||
    subtype === 'javascript' ||
    subtype === 'x-javascript' ||
    subtype === 'ecmascript' ||
    subtype === 'xml' ||
    subtype.endsWith('+xml') ||
    essence === 'application/wasm'
  );
}

/** Compresses off the main thread (zlib's thread pool). */
export function compress(body: Uint8Array, encoding: 'br' | 'gzip'): Promise<Buffer> {
  return encoding === 'br'
    ? brotli(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 4, [zlib.BROTLI_PARAM_SIZE_HINT]: body.byteLength } })
    : gzipAsync(body, { level: 6 });
}
