export type { AquilaErrorOptions } from './aquila-error.js';
export { AquilaError } from './aquila-error.js';
export { describeValue } from './describe-value.js';
export type {
  ParseWithSchemaOptions,
  SchemaFailure,
  SchemaIssue,
  SchemaOutput,
  StandardSchema,
} from './parse-with-schema.js';
export { parseWithSchema } from './parse-with-schema.js';
