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
    else if (converter !== undefined) described = converter(schema, { io }) as JsonSchema;
    else {
      throw openApiError(
        OpenApiErrorCodes.NoJsonSchema,
        `The schema of the ${where} (${schema['~standard'].vendor}) cannot describe itself as JSON Schema. Pass a converter: ` +
          'openApi({ jsonSchema: (schema) => toJsonSchema(schema) }) with toJsonSchema from @valibot/to-json-schema, ' +
          'or a schema library that implements Standard JSON Schema (zod 4).',
      );
    }
  } catch (error) {
    if ((error as { code?: string }).code === OpenApiErrorCodes.NoJsonSchema) throw error;
    throw openApiError(
      OpenApiErrorCodes.NoJsonSchema,
      `The schema of the ${where} cannot be described as JSON Schema: ${(error as Error).message}`,
      error,
    );
  }
  const { $schema: _dialect, ...rest } = described;
  return rest;
}

/**
 * Makes a schema safe to embed in the document. Its `$defs` move into
 * `components.schemas` and its `$ref`s point there, and a schema that refers to
 * itself (`"$ref": "#"`, as zod writes a recursive root) moves there whole, under
 * `name`: inside an OpenAPI document, `#...` resolves against the document's root.
 * A definition whose name is taken by a different one gets a suffix (`_2`).
 */
export function hoistDefinitions(schema: JsonSchema, components: Record<string, JsonSchema>, name: string): JsonSchema {
  const defs = (schema.$defs ?? {}) as Record<string, JsonSchema>;
  const selfReferencing = JSON.stringify(schema).includes('"$ref":"#"');
  if (Object.keys(defs).length === 0 && !selfReferencing) return schema;
  const place = (wanted: string, definition: JsonSchema): string => {
    let target = wanted;
    for (let n = 2; components[target] !== undefined && JSON.stringify(components[target]) !== JSON.stringify(definition); n++)
      target = `${wanted}_${n}`;
    return target;
  };
  const renamed = new Map<string, string>();
  for (const [defName, definition] of Object.entries(defs)) renamed.set(defName, place(defName, definition));
  const { $defs: _moved, ...rest } = schema;
  const root = selfReferencing ? place(name, rest) : undefined;
  const rewrite = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(rewrite);
    if (value === null || typeof value !== 'object') return value;
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      if (key === '$ref' && inner === '#' && root !== undefined) out[key] = `#/components/schemas/${encodeURIComponent(root)}`;
      else if (key === '$ref' && typeof inner === 'string' && inner.startsWith('#/$defs/')) {
        const defName = decodeURIComponent(inner.slice('#/$defs/'.length));
        out[key] = `#/components/schemas/${encodeURIComponent(renamed.get(defName) ?? defName)}`;
      } else out[key] = rewrite(inner);
    }
    return out;
  };
  for (const [defName, definition] of Object.entries(defs)) components[renamed.get(defName)!] = rewrite(definition) as JsonSchema;
  const embedded = rewrite(rest) as JsonSchema;
  if (root === undefined) return embedded;
  components[root] = embedded;
  return { $ref: `#/components/schemas/${encodeURIComponent(root)}` };
}
