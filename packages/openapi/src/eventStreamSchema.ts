import type { JsonSchema } from './OpenApiOptions.js';

/**
 * The OpenAPI 3.2 `itemSchema` of a `text/event-stream` response: each event
 * modeled as an object with the SSE fields (`event`, `data`, `id`, `retry`), and
 * one `oneOf` branch per event name giving its data's schema, as in the
 * specification's Server-Sent Events example. `data` is always a string on the
 * wire: JSON data is described with `contentMediaType` and `contentSchema`;
 * data whose schema is a string is described directly. An event sent without an
 * `event:` field is a `message`, so that branch does not require the field.
 */
export function eventStreamItemSchema(events: ReadonlyArray<readonly [name: string, data: JsonSchema]>): JsonSchema {
  const branches = events.map(([name, data]) => {
    const dataSchema: JsonSchema =
      data.type === 'string' ? data : { type: 'string', contentMediaType: 'application/json', contentSchema: data };
    const branch: JsonSchema = { title: name, properties: { event: { const: name }, data: dataSchema } };
    return name === 'message' ? branch : { ...branch, required: ['event'] };
  });
  return {
    type: 'object',
    required: ['data'],
    properties: {
      event: { type: 'string' },
      data: { type: 'string' },
      id: { type: 'string' },
      retry: { type: 'integer', minimum: 0 },
    },
    ...(branches.length === 0 ? {} : { oneOf: branches }),
  };
}
