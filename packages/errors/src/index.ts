export type { AquilaErrorOptions } from './aquila-error.js';
export { AquilaError } from './aquila-error.js';
export { describeValue } from './describe-value.js';
