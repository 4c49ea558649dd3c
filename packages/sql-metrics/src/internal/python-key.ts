import type { SpiderSql } from '../spider-sql.js';

// Python `==` over parsed SQL (tuples, lists, dicts, floats, strings, None) as one canonical string, so that list
// membership, multiset removal and dict comparison become string comparisons. Floats print so that 1 == 1.0.
// Parsed SQL is never mutated, so each array or query is keyed once.
const keys = new WeakMap<object, string>();

export function pythonKey(value: unknown): string {
  if (value === null || value === undefined) return 'N';
  if (typeof value === 'boolean') return value ? 'T' : 'F';
  if (typeof value === 'number') return `n${Object.is(value, -0) ? 0 : value}`;
  if (typeof value === 'string') return JSON.stringify(value);
  const object = value as object;
  let key = keys.get(object);
  if (key === undefined) {
    if (Array.isArray(value)) {
      key = `[${value.map(pythonKey).join(',')}]`;
    } else {
      const sql = value as SpiderSql;
      key = `{${[sql.select, sql.from.table_units, sql.from.conds, sql.where, sql.groupBy, sql.having, sql.orderBy, sql.limit, sql.intersect, sql.except, sql.union].map(pythonKey).join(';')}}`;
    }
    keys.set(object, key);
  }
  return key;
}
