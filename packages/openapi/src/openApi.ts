import path from 'node:path';
import { HttpError, HttpResponse, type HttpRequest, type SluicePlugin } from '@sluice/core';
import { buildDocument } from './buildDocument.js';
import { docsPageHtml, scalarAssetsDirectory } from './docsPage.js';
import { OpenApiErrorCodes, openApiError } from './errors.js';
import type { OpenApiOptions } from './OpenApiOptions.js';

/** The plugin {@link openApi} returns: a Sluice plugin that also hands out the document it built. */
export interface OpenApiPlugin extends SluicePlugin {
  /** The OpenAPI document, built at `build()` (throws before). */
  document(): Record<string, unknown>;
}

// Scalar's chunk names: letters, digits, `-`, `_` and dots; one folder deep at most.
const assetName = /^[\w-]+(?:\.[\w-]+)*(?:\/[\w-]+(?:\.[\w-]+)*)?$/;

/**
 * Publishes an OpenAPI 3.2 document of the host's routes, built once at
 * `build()` from the controllers, imperative routes and their schemas; with
 * `docsPath`, an API reference page too.
 *
 * ```ts
 * HttpServer.createBuilder()
 *   .useControllers(UsersController)
 *   .usePlugin(openApi({ info: { title: 'Users', version: '1.0.0' }, path: '/openapi.json', docsPath: '/docs' }))
 *   .build();
 * ```
 */
export function openApi(options: OpenApiOptions): OpenApiPlugin {
  const documentPath = options.path === undefined ? '/openapi.json' : options.path;
  for (const [name, value] of [
    ['path', documentPath],
    ['docsPath', options.docsPath],
  ] as const) {
    if (typeof value === 'string' && !value.startsWith('/')) {
      throw openApiError(OpenApiErrorCodes.InvalidOptions, `openApi({ ${name} }) must start with "/", got ${JSON.stringify(value)}.`);
    }
  }
  if (options.docsPath !== undefined && documentPath === false) {
    throw openApiError(OpenApiErrorCodes.InvalidOptions, 'openApi({ docsPath }) needs the document served: leave path unset or give one.');
  }
  let document: Record<string, unknown> | undefined;
  let documentText = '';

  return {
    name: 'openapi',
    register(context) {
      const hidden = { hidden: true } as const;
      if (documentPath !== false) {
        context.router.get(documentPath, () => new HttpResponse(200, documentText, { 'content-type': 'application/json; charset=utf-8' }), {
          ...hidden,
          name: 'OpenAPI document',
        });
      }
      if (options.docsPath !== undefined) {
        const assets = scalarAssetsDirectory();
        const base = options.docsPath === '/' ? '' : options.docsPath.replace(/\/$/, '');
        const page = docsPageHtml(options.info.title, documentPath as string, `${base}/assets/standalone.js`);
        context.router.get(options.docsPath, () => HttpResponse.html(page), { ...hidden, name: 'API reference page' });
        context.router.get(
          `${base}/assets/*`,
          (req: HttpRequest) => {
            const name = req.params['*'] ?? '';
            if (!assetName.test(name)) throw new HttpError(404, `No asset ${name}`);
            return HttpResponse.file(path.join(assets, name));
          },
          { ...hidden, name: 'API reference assets' },
        );
      }
    },
    ready(context) {
      document = buildDocument(context.router.routes(), options);
      documentText = JSON.stringify(document);
    },
    document() {
      if (document === undefined)
        throw openApiError(OpenApiErrorCodes.InvalidOptions, 'The OpenAPI document is built at build(): call document() after it.');
      return document;
    },
  };
}
