/**
 * Content types for files served from disk, picked from the file's extension.
 * The table is deliberately small: the types a web application ships. Anything
 * else is `application/octet-stream`, which browsers download rather than render.
 */

const utf8 = '; charset=utf-8';

// Textual types get an explicit charset so browsers do not guess. JSON is
// UTF-8 by definition (RFC 8259), so the parameter is always right for it. XML
// and SVG carry their own encoding declaration, which a charset parameter would
// override, so they get none.
const types: Readonly<Record<string, string>> = Object.assign(Object.create(null) as Record<string, string>, {
  html: `text/html${utf8}`,
  htm: `text/html${utf8}`,
  css: `text/css${utf8}`,
  js: `text/javascript${utf8}`,
  mjs: `text/javascript${utf8}`,
  json: `application/json${utf8}`,
  map: `application/json${utf8}`,
  txt: `text/plain${utf8}`,
  md: `text/markdown${utf8}`,
  csv: `text/csv${utf8}`,
  xml: 'application/xml',
  svg: 'image/svg+xml',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
  ico: 'image/x-icon',
  woff: 'font/woff',
  woff2: 'font/woff2',
  ttf: 'font/ttf',
  otf: 'font/otf',
  wasm: 'application/wasm',
  pdf: 'application/pdf',
  mp4: 'video/mp4',
  webm: 'video/webm',
  mp3: 'audio/mpeg',
  ogg: 'audio/ogg',
  wav: 'audio/wav',
  zip: 'application/zip',
  gz: 'application/gzip',
});

const fallback = 'application/octet-stream';

/**
 * The content type for a file, from its extension (case-insensitive):
 * `contentTypeFor('app.js')` is `text/javascript; charset=utf-8`. A name without
 * an extension, a dotfile (`.env`) or an unknown extension gives `application/octet-stream`.
 */
export function contentTypeFor(filePath: string): string {
  // Only the last path segment counts: a dot in a directory name is no extension.
  const lastSeparator = Math.max(filePath.lastIndexOf('/'), filePath.lastIndexOf('\\'));
  const dot = filePath.lastIndexOf('.');
  // dot === lastSeparator + 1: the name starts with its only dot (`.env`), like path.extname.
  if (dot <= lastSeparator + 1 || dot === filePath.length - 1) return fallback;
  const extension = filePath.slice(dot + 1).toLowerCase();
  return types[extension] ?? fallback;
}
