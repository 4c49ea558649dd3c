import type { SpiderSql } from '../spider-sql.js';

// Python `==` over parsed SQL (tuples, lists, dicts, floats, strings, None) as one canonical string, so that list
// membership, multiset removal and dict comparison become string comparisons. Floats print so that 1 == 1.0.
// Built afresh each time: the keyed parts are small, and a WeakMap cache cost more (lookups and GC) than it saved.
export function pythonKey(value: unknown): string {
  if (value === null || value === undefined) return 'N';
  switch (typeof value) {
    case 'boolean':
      return value ? 'T' : 'F';
    case 'number':
      return `n${Object.is(value, -0) ? 0 : value}`;
    case 'string':
      return JSON.stringify(value);
    default:
      break;
  }
  if (Array.isArray(value)) {
    let key = '[';
    for (let index = 0; index < value.length; index += 1) key += (index === 0 ? '' : ',') + pythonKey(value[index]);
    return `${key}]`;
  }
  const sql = value as SpiderSql;
  const parts = [
    sql.select,
    sql.from.table_units,
    sql.from.conds,
    sql.where,
    sql.groupBy,
    sql.having,
    sql.orderBy,
    sql.limit,
    sql.intersect,
    sql.except,
    sql.union,
  ];
  let key = '{';
  for (let index = 0; index < parts.length; index += 1) key += (index === 0 ? '' : ';') + pythonKey(parts[index]);
  return `${key}}`;
}
