import type { StandardSchemaV1 } from '@sluice/core';

/** A JSON Schema object (draft 2020-12, the dialect of OpenAPI 3.1 and 3.2). */
export type JsonSchema = Record<string, unknown>;

/**
 * Turns a schema that does not describe itself (no `~standard.jsonSchema`) into
 * JSON Schema, e.g. valibot's: `(schema) => toJsonSchema(schema as GenericSchema)`
 * from `@valibot/to-json-schema`. `io` says whether the schema is read as what
 * a request sends (`input`) or what the server answers (`output`).
 */
export type JsonSchemaConverter = (schema: StandardSchemaV1, context: { readonly io: 'input' | 'output' }) => object;

/** The document's `info` (OpenAPI Info Object). */
export interface OpenApiInfo {
  title: string;
  version: string;
  summary?: string;
  description?: string;
  termsOfService?: string;
  contact?: { name?: string; url?: string; email?: string };
  license?: { name: string; identifier?: string; url?: string };
}

/** Options of {@link openApi}. */
export interface OpenApiOptions {
  info: OpenApiInfo;
  /** Where the document is served (`GET`, `application/json`). Default `/openapi.json`; `false` serves none (read it from `document()`). */
  path?: string | false;
  /** Where an API reference page (Scalar's, from the `@scalar/api-reference` package) is served; off unless set, e.g. `/docs`. */
  docsPath?: string;
  /** The document's `servers`; default none (clients use the document's own origin). */
  servers?: Array<{ url: string; description?: string }>;
  /** Descriptions of the tags routes use. */
  tags?: Array<{ name: string; description?: string }>;
  /** For schemas without the Standard JSON Schema interface (see {@link JsonSchemaConverter}). */
  jsonSchema?: JsonSchemaConverter;
}
