import { InvalidArgumentError } from 'commander';

/** A commander parser for integer flags ≥ `minimum`, with a message naming the flag's value. */
export const integerFlag = (name: string, minimum: number) => (value: string) => {
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isInteger(parsed) || parsed < minimum)
    throw new InvalidArgumentError(`${name} must be an integer ≥ ${minimum}.`);
  return parsed;
};
