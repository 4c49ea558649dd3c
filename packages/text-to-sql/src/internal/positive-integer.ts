import { TextToSqlOptionsError } from '../errors.js';

/** An option that counts something (questions, workers, rows): a whole number of at least 1. */
export function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1)
    throw new TextToSqlOptionsError(`${name} must be a positive integer, got ${value}.`);
  return value;
}
