/**
 * A short description of a JSON value read from a user's file, for error messages: strings are quoted and
 * cut, containers only counted. Never recursive, so a value nested a million deep (JSON.parse accepts it)
 * cannot overflow the stack the way JSON.stringify would.
 */
export function describeValue(value: unknown, limit = 60): string {
  if (typeof value === 'string') return value.length > limit ? `${JSON.stringify(value.slice(0, limit))}…` : JSON.stringify(value);
  if (Array.isArray(value)) return `an array of ${value.length} item${value.length === 1 ? '' : 's'}`;
  if (typeof value === 'object' && value !== null) return 'an object';
  return String(value);
}
