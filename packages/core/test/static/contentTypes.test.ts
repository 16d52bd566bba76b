import { describe, it, expect } from '@jest/globals';
import { contentTypeFor } from '../../src/static/contentTypes.js';

describe('contentTypeFor', () => {
  const table: Array<[file: string, type: string]> = [
    ['index.html', 'text/html; charset=utf-8'],
    ['page.htm', 'text/html; charset=utf-8'],
    ['style.css', 'text/css; charset=utf-8'],
    ['app.js', 'text/javascript; charset=utf-8'],
    ['module.mjs', 'text/javascript; charset=utf-8'],
    ['data.json', 'application/json; charset=utf-8'],
    ['app.js.map', 'application/json; charset=utf-8'],
    ['notes.txt', 'text/plain; charset=utf-8'],
    ['README.md', 'text/markdown; charset=utf-8'],
    ['table.csv', 'text/csv; charset=utf-8'],
    ['feed.xml', 'application/xml'],
    ['logo.svg', 'image/svg+xml'],
    ['a.png', 'image/png'],
    ['a.jpg', 'image/jpeg'],
    ['a.jpeg', 'image/jpeg'],
    ['a.gif', 'image/gif'],
    ['a.webp', 'image/webp'],
    ['a.avif', 'image/avif'],
    ['favicon.ico', 'image/x-icon'],
    ['f.woff', 'font/woff'],
    ['f.woff2', 'font/woff2'],
    ['f.ttf', 'font/ttf'],
    ['f.otf', 'font/otf'],
    ['m.wasm', 'application/wasm'],
    ['doc.pdf', 'application/pdf'],
    ['v.mp4', 'video/mp4'],
    ['v.webm', 'video/webm'],
    ['s.mp3', 'audio/mpeg'],
    ['s.ogg', 'audio/ogg'],
    ['s.wav', 'audio/wav'],
    ['archive.zip', 'application/zip'],
    ['archive.tar.gz', 'application/gzip'],
  ];
  it.each(table)('%s → %s', (file, type) => {
    expect(contentTypeFor(file)).toBe(type);
  });

  it('uses the last extension of the file name only, case-insensitively', () => {
    expect(contentTypeFor('/srv/www/assets/PHOTO.JPG')).toBe('image/jpeg');
    expect(contentTypeFor('/srv/www/Index.Html')).toBe('text/html; charset=utf-8');
    expect(contentTypeFor('bundle.min.css')).toBe('text/css; charset=utf-8');
  });

  it('gives application/octet-stream for unknown, missing or dot-only extensions', () => {
    expect(contentTypeFor('archive.7z')).toBe('application/octet-stream');
    expect(contentTypeFor('Makefile')).toBe('application/octet-stream');
    expect(contentTypeFor('/srv/.env')).toBe('application/octet-stream');
    expect(contentTypeFor('/srv/.html')).toBe('application/octet-stream');
    expect(contentTypeFor('trailing.')).toBe('application/octet-stream');
    // A dot in a directory name is no extension.
    expect(contentTypeFor('/srv/site.html/LICENSE')).toBe('application/octet-stream');
    expect(contentTypeFor('C:\\site.css\\LICENSE')).toBe('application/octet-stream');
  });

  it('does not match inherited object keys', () => {
    expect(contentTypeFor('x.constructor')).toBe('application/octet-stream');
    expect(contentTypeFor('x.__proto__')).toBe('application/octet-stream');
    expect(contentTypeFor('x.toString')).toBe('application/octet-stream');
  });
});
