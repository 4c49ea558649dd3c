// The Standard Schema interface (standardschema.dev), declared here as far as checking a value needs it, so that
// this package stays free of dependencies: valibot's schemas implement it, as zod's and arktype's do.

/** One problem a schema found in a value: what, in its message, and where, in the keys down to the part. */
export interface SchemaIssue {
  readonly message: string;
  readonly path?: readonly (PropertyKey | { readonly key: PropertyKey })[] | undefined;
}

type SchemaResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | { readonly issues: readonly SchemaIssue[] };

/** A Standard Schema (a valibot schema, for one): `schema['~standard'].validate(value)`. */
export interface StandardSchema<Output = unknown> {
  readonly '~standard': {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (value: unknown) => SchemaResult<Output> | Promise<SchemaResult<Output>>;
    readonly types?: { readonly input: unknown; readonly output: Output } | undefined;
  };
}

/** The type of the value a schema gives back. */
export type SchemaOutput<Schema extends StandardSchema> = NonNullable<Schema['~standard']['types']>['output'];

/** The first issue of a value that fails its schema, with its place in the value written out. */
export interface SchemaFailure {
  /** What is wrong, as the schema words it. */
  message: string;
  /** Where, as `optimizer.lr`, `data.blend[0].weight` or `messages[2].role`; empty for the value itself. */
  path: string;
  /** The same place as the keys down to it. */
  keys: PropertyKey[];
}

/** Keys as users write them: `a.b` for names, `a[0]` for indices, `""` for an empty name. */
function formatSchemaPath(keys: readonly PropertyKey[]): string {
  let path = '';
  for (const key of keys) {
    if (typeof key === 'number') path += `[${key}]`;
    else {
      const shown = key === '' ? '""' : String(key);
      path = path === '' ? shown : `${path}.${shown}`;
    }
  }
  return path;
}

export interface ParseWithSchemaOptions<Schema extends StandardSchema> {
  /** A schema that checks synchronously. */
  schema: Schema;
  value: unknown;
  /** The package's own error for the first issue: its class, its code, its way of saying where. */
  error: (failure: SchemaFailure) => Error;
}

/**
 * Checks `value` against `schema` and gives back the schema's output; on the first issue throws the error that
 * `error` makes of it. Every package words and types its failures itself; the schemas say what was wrong.
 */
export function parseWithSchema<Schema extends StandardSchema>(
  options: ParseWithSchemaOptions<Schema>,
): SchemaOutput<Schema> {
  const result = options.schema['~standard'].validate(options.value);
  if (result instanceof Promise) throw new TypeError('parseWithSchema needs a schema that checks synchronously.');
  if (result.issues !== undefined) {
    const issue = result.issues[0] ?? { message: 'is not valid' };
    const keys = (issue.path ?? []).map((item) => (typeof item === 'object' ? item.key : item));
    throw options.error({ message: issue.message, path: formatSchemaPath(keys), keys });
  }
  return result.value;
}
