/**
 * The Standard Schema interface (https://standardschema.dev, v1), written out
 * here so that core depends on no schema library: zod 4, valibot, arktype and
 * others implement it, and any of them can validate a route. Types only.
 */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly '~standard': StandardSchemaProps<Input, Output>;
}

/** The `~standard` property of a Standard Schema. */
export interface StandardSchemaProps<Input = unknown, Output = Input> {
  readonly version: 1;
  /** The library: `zod`, `valibot`... */
  readonly vendor: string;
  readonly validate: (value: unknown) => StandardSchemaResult<Output> | Promise<StandardSchemaResult<Output>>;
  /** Carries the types for inference; never present at run time. */
  readonly types?: StandardSchemaTypes<Input, Output> | undefined;
}

/** A validation's outcome: the (possibly transformed) value, or the issues. */
export type StandardSchemaResult<Output> =
  { readonly value: Output; readonly issues?: undefined } | { readonly issues: readonly StandardSchemaIssue[] };

/** One problem found by a schema. */
export interface StandardSchemaIssue {
  readonly message: string;
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined;
}

export interface StandardSchemaTypes<Input = unknown, Output = Input> {
  readonly input: Input;
  readonly output: Output;
}

/** What a schema accepts (before transforms: `z.coerce.number()` accepts a string). */
export type InferSchemaInput<S extends StandardSchemaV1> = NonNullable<S['~standard']['types']>['input'];

/** What a schema gives after validation (after transforms). */
export type InferSchemaOutput<S extends StandardSchemaV1> = NonNullable<S['~standard']['types']>['output'];

/**
 * The Standard JSON Schema interface (https://standardschema.dev/json-schema):
 * schemas that can describe themselves as JSON Schema (zod 4 does, valibot
 * through `toStandardJsonSchema`). API documents use it when present.
 */
export interface StandardJsonSchemaV1 {
  readonly '~standard': {
    readonly version: 1;
    readonly vendor: string;
    readonly jsonSchema: {
      readonly input: (options: StandardJsonSchemaOptions) => Record<string, unknown>;
      readonly output: (options: StandardJsonSchemaOptions) => Record<string, unknown>;
    };
  };
}

export interface StandardJsonSchemaOptions {
  /** `draft-2020-12` (what OpenAPI 3.1 and 3.2 use), `draft-07`, `openapi-3.0`, or another the library knows. */
  readonly target: string;
  readonly libraryOptions?: Record<string, unknown> | undefined;
}
