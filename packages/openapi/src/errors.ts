import { SluiceError } from '@sluice/core';

/** Stable codes of the errors `@sluice/openapi` throws (at `build()`). */
export const OpenApiErrorCodes = {
  /** A route's schema cannot be described as JSON Schema: it offers no `~standard.jsonSchema` and no `jsonSchema` converter was given. */
  NoJsonSchema: 'SLUICE_OPENAPI_NO_JSON_SCHEMA',
  /** `docsPath` is set but `@scalar/api-reference` (the page's script) is not installed. */
  DocsAssetsMissing: 'SLUICE_OPENAPI_DOCS_ASSETS_MISSING',
  /** An option is invalid (a path that does not start with `/`...). */
  InvalidOptions: 'SLUICE_OPENAPI_INVALID_OPTIONS',
} as const;

export function openApiError(code: string, message: string, cause?: unknown): SluiceError {
  return new SluiceError(code, message, cause === undefined ? undefined : { cause });
}
