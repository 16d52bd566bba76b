import type { StandardJsonSchemaV1, StandardSchemaV1 } from '@sluice/core';
import { OpenApiErrorCodes, openApiError } from './errors.js';
import type { JsonSchema, JsonSchemaConverter } from './OpenApiOptions.js';

/**
 * A schema as JSON Schema 2020-12: through the Standard JSON Schema interface
 * when the schema offers it (zod 4 does), else through the user's converter.
 * `where` names the route and part for the error that says what to do.
 */
export function describeSchema(
  schema: StandardSchemaV1,
  io: 'input' | 'output',
  converter: JsonSchemaConverter | undefined,
  where: string,
): JsonSchema {
  const standard = (schema as unknown as Partial<StandardJsonSchemaV1>)['~standard'];
  let described: JsonSchema;
  try {
    const generate = standard?.jsonSchema?.[io];
    if (typeof generate === 'function') described = generate({ target: 'draft-2020-12' });
    else if (converter !== undefined) described = converter(schema, { io });
    else {
      throw openApiError(
        OpenApiErrorCodes.NoJsonSchema,
        `The ${where} schema (${schema['~standard'].vendor}) cannot describe itself as JSON Schema. Pass a converter: ` +
          'openApi({ jsonSchema: (schema) => toJsonSchema(schema) }) with toJsonSchema from @valibot/to-json-schema, ' +
          'or a schema library that implements Standard JSON Schema (zod 4).',
      );
    }
  } catch (error) {
    if ((error as { code?: string }).code === OpenApiErrorCodes.NoJsonSchema) throw error;
    throw openApiError(
      OpenApiErrorCodes.NoJsonSchema,
      `The ${where} schema cannot be described as JSON Schema: ${(error as Error).message}`,
      error,
    );
  }
  const { $schema: _dialect, ...rest } = described;
  return rest;
}

/**
 * Moves a schema's `$defs` into the document's `components.schemas` and points
 * its `$ref`s there: a `#/$defs/...` reference inside an embedded schema would
 * otherwise resolve against the OpenAPI document's root, where there are none.
 */
export function hoistDefinitions(schema: JsonSchema, components: Record<string, JsonSchema>): JsonSchema {
  const defs = schema.$defs as Record<string, JsonSchema> | undefined;
  if (defs === undefined) return schema;
  const renamed = new Map<string, string>();
  for (const [name, definition] of Object.entries(defs)) {
    let target = name;
    for (let n = 2; components[target] !== undefined && JSON.stringify(components[target]) !== JSON.stringify(definition); n++)
      target = `${name}_${n}`;
    renamed.set(name, target);
  }
  const rewrite = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(rewrite);
    if (value === null || typeof value !== 'object') return value;
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      if (key === '$ref' && typeof inner === 'string' && inner.startsWith('#/$defs/')) {
        const name = decodeURIComponent(inner.slice('#/$defs/'.length));
        out[key] = `#/components/schemas/${encodeURIComponent(renamed.get(name) ?? name)}`;
      } else out[key] = rewrite(inner);
    }
    return out;
  };
  for (const [name, definition] of Object.entries(defs)) components[renamed.get(name)!] = rewrite(definition) as JsonSchema;
  const { $defs: _moved, ...rest } = schema;
  return rewrite(rest) as JsonSchema;
}
