import { RunConfigError } from '../errors.js';

/** A declarative description of one config value, checked by `checkValue`. */
export type FieldSpec =
  | { kind: 'number'; integer?: boolean; min?: number; max?: number; positive?: boolean }
  | { kind: 'string' }
  | { kind: 'boolean' }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'object'; fields: Record<string, FieldSpec>; required?: readonly string[] }
  | { kind: 'array'; items: FieldSpec }
  | { kind: 'record'; values: FieldSpec };

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  // String(), not JSON: YAML's .inf and .nan are numbers that JSON would show as null.
  return `${typeof value} ${typeof value === 'number' ? String(value) : JSON.stringify(value)}`;
}

function editDistance(left: string, right: string): number {
  let previous = Array.from({ length: right.length + 1 }, (_, index) => index);
  for (let row = 1; row <= left.length; row += 1) {
    const current = [row];
    for (let column = 1; column <= right.length; column += 1) {
      const substitution = (previous[column - 1] as number) + (left[row - 1] === right[column - 1] ? 0 : 1);
      current.push(Math.min(substitution, (previous[column] as number) + 1, (current[column - 1] as number) + 1));
    }
    previous = current;
  }
  return previous[right.length] as number;
}

/** The closest known key, when one is close enough to be a likely typo. */
export function suggestKey(key: string, known: readonly string[]): string {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  // Fewer edits than the key has characters: otherwise any short key would be "a typo" of `lr`.
  return best !== undefined && bestDistance < key.length && bestDistance <= Math.max(2, Math.floor(key.length / 3))
    ? `; did you mean "${best}"?`
    : '';
}

export function joinPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  // An empty key (YAML's `: 1` or `null: 1`) is shown as "", not as no key at all.
  const shown = key === '' ? '""' : key;
  return path === '' ? shown : `${path}.${shown}`;
}

/** Checks `value` against `spec`; throws RunConfigError with the dotted path of the first problem. */
export function checkValue(value: unknown, spec: FieldSpec, path: string, file: string | undefined): void {
  const fail = (message: string): never => {
    throw new RunConfigError(message, { path, file });
  };
  switch (spec.kind) {
    case 'number': {
      if (typeof value !== 'number' || !Number.isFinite(value))
        return fail(`expected a number, got ${describe(value)}`);
      if (spec.integer === true && !Number.isInteger(value)) fail(`expected an integer, got ${value}`);
      if (spec.integer === true && !Number.isSafeInteger(value)) fail(`expected an integer below 2^53, got ${value}`);
      if (spec.positive === true && value <= 0) fail(`must be greater than 0, got ${value}`);
      if (spec.min !== undefined && value < spec.min) fail(`must be at least ${spec.min}, got ${value}`);
      if (spec.max !== undefined && value > spec.max) fail(`must be at most ${spec.max}, got ${value}`);
      return;
    }
    case 'string':
      if (typeof value !== 'string' || value === '') fail(`expected a non-empty string, got ${describe(value)}`);
      return;
    case 'boolean':
      if (typeof value !== 'boolean') fail(`expected true or false, got ${describe(value)}`);
      return;
    case 'enum':
      if (typeof value !== 'string' || !spec.values.includes(value))
        fail(`expected one of ${spec.values.join(', ')}, got ${describe(value)}`);
      return;
    case 'array':
      if (!Array.isArray(value)) return fail(`expected a list, got ${describe(value)}`);
      value.forEach((item, index) => checkValue(item, spec.items, joinPath(path, index), file));
      return;
    case 'record':
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        return fail(`expected a mapping, got ${describe(value)}`);
      for (const [key, item] of Object.entries(value)) checkValue(item, spec.values, joinPath(path, key), file);
      return;
    case 'object': {
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        return fail(`expected a mapping, got ${describe(value)}`);
      const known = Object.keys(spec.fields);
      for (const [key, item] of Object.entries(value)) {
        const field = spec.fields[key];
        if (field === undefined) {
          throw new RunConfigError(`unknown key${suggestKey(key, known)} (known here: ${known.join(', ')})`, {
            path: joinPath(path, key),
            file,
          });
        }
        checkValue(item, field, joinPath(path, key), file);
      }
      for (const key of spec.required ?? []) {
        if ((value as Record<string, unknown>)[key] === undefined)
          throw new RunConfigError(`missing; this entry needs ${spec.required?.join(' and ')}`, {
            path: joinPath(path, key),
            file,
          });
      }
    }
  }
}
