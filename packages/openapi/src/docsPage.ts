import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { OpenApiErrorCodes, openApiError } from './errors.js';

/**
 * The folder of Scalar's browser build (`standalone.js` and the chunks it loads),
 * from the `@scalar/api-reference` package installed beside the app or beside
 * this package. Served by the host itself: the page loads nothing from a CDN.
 */
export function scalarAssetsDirectory(): string {
  const from = [path.join(process.cwd(), 'package.json'), import.meta.url];
  for (const base of from) {
    try {
      const entry = createRequire(base).resolve('@scalar/api-reference');
      const directory = path.join(path.dirname(entry), 'browser');
      if (existsSync(path.join(directory, 'standalone.js'))) return directory;
    } catch {
      // not resolvable from there; try the next base
    }
  }
  throw openApiError(
    OpenApiErrorCodes.DocsAssetsMissing,
    "openApi({ docsPath }) serves Scalar's API reference from the @scalar/api-reference package, which is not installed: run `npm install @scalar/api-reference`, or leave docsPath out.",
  );
}

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * The docs page: Scalar's reference, reading the document at `documentUrl`, everything from this
 * host. Scalar's features that talk to its own servers (web fonts, telemetry, the AI agent, MCP,
 * the developer tools bar) are off: the page works offline and tells no one it was opened.
 */
export function docsPageHtml(title: string, documentUrl: string, scriptUrl: string): string {
  const config = JSON.stringify({
    url: documentUrl,
    withDefaultFonts: false,
    telemetry: false,
    showDeveloperTools: 'never',
    agent: { disabled: true },
    mcp: { disabled: true },
  }).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
</head>
<body>
<div id="app"></div>
<script src="${escapeHtml(scriptUrl)}"></script>
<script>Scalar.createApiReference('#app', ${config});</script>
</body>
</html>
`;
}
