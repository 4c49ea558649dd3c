/**
 * A short description of a value read from a user's file (JSON, YAML, pickle), for error messages: strings are
 * quoted and cut, numbers shown, containers only counted. Never recursive, so a value nested a million deep
 * (JSON.parse and a pickle accept it) cannot overflow the stack the way JSON.stringify would.
 */
export function describeValue(value: unknown, limit = 60): string {
  if (typeof value === 'string')
    return value.length > limit ? `${JSON.stringify(value.slice(0, limit))}…` : JSON.stringify(value);
  if (Array.isArray(value)) {
    if (value.length <= 8 && value.every((item) => typeof item === 'number')) return `[${value.join(', ')}]`;
    return `an array of ${value.length} item${value.length === 1 ? '' : 's'}`;
  }
  if (value instanceof Map) return `a dict of ${value.size} item${value.size === 1 ? '' : 's'}`;
  if (typeof value === 'object' && value !== null) return 'an object';
  return String(value);
}
