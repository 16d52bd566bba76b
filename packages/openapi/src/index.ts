export { openApi, type OpenApiPlugin } from './openApi.js';
export { buildDocument, type DescribedRoute } from './buildDocument.js';
export { eventStreamItemSchema } from './eventStreamSchema.js';
export type { OpenApiOptions, OpenApiInfo, JsonSchema, JsonSchemaConverter } from './OpenApiOptions.js';
export { OpenApiErrorCodes } from './errors.js';
