import { promisify } from 'node:util';
import { brotliCompress, gzip, constants as zlib } from 'node:zlib';
import type { CompressionOptions } from '../contracts/CompressionOptions.js';

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

// text/event-stream is left out on purpose: compressing a stream buffers events.
const compressibleType = /^(text\/(?!event-stream)|application\/(json|javascript|xml|[\w.+-]+\+(json|xml))|image\/svg\+xml)/i;

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
  return contentType !== undefined && size >= (options.threshold ?? 1024) && compressibleType.test(contentType);
}

/** Compresses off the main thread (zlib's thread pool). */
export function compress(body: Uint8Array, encoding: 'br' | 'gzip'): Promise<Buffer> {
  return encoding === 'br'
    ? brotli(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 4, [zlib.BROTLI_PARAM_SIZE_HINT]: body.byteLength } })
    : gzipAsync(body, { level: 6 });
}
