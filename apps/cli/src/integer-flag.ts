import * as v from 'valibot';
import { numberFlag } from './flag-parser.js';

/** A commander parser for integer flags ≥ `minimum`, with a message naming the flag's value. */
export const integerFlag = (name: string, minimum: number) =>
  numberFlag(`${name} must be an integer ≥ ${minimum}.`, v.integer(), v.minValue(minimum));
