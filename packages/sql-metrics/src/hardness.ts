import { type Condition, type ConditionUnit, type SpiderSql, whereOperators } from './spider-sql.js';

/** Spider's difficulty levels. */
export type Hardness = 'easy' | 'medium' | 'hard' | 'extra';

export interface HardnessOptions {
  /** The parsed gold query. */
  sql: SpiderSql;
}

const like = whereOperators.indexOf('like');

function units(condition: Condition): ConditionUnit[] {
  return condition.filter((_, index) => index % 2 === 0) as ConditionUnit[];
}

function connectors(condition: Condition): string[] {
  return condition.filter((_, index) => index % 2 === 1) as string[];
}

function isSubquery(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Subqueries in FROM-ON/WHERE/HAVING values, then INTERSECT, EXCEPT, UNION (upstream `get_nestedSQL`). */
function nestedQueries(sql: SpiderSql): SpiderSql[] {
  const nested: SpiderSql[] = [];
  for (const unit of [...units(sql.from.conds), ...units(sql.where), ...units(sql.having)]) {
    if (isSubquery(unit[3])) nested.push(unit[3] as SpiderSql);
    if (isSubquery(unit[4])) nested.push(unit[4] as SpiderSql);
  }
  for (const part of [sql.intersect, sql.except, sql.union]) if (part !== null) nested.push(part);
  return nested;
}

function componentOne(sql: SpiderSql): number {
  let count = [sql.where.length > 0, sql.groupBy.length > 0, sql.orderBy.length > 0, sql.limit !== null].filter(
    Boolean,
  ).length;
  if (sql.from.table_units.length > 0) count += sql.from.table_units.length - 1;
  count += [...connectors(sql.from.conds), ...connectors(sql.where), ...connectors(sql.having)].filter(
    (token) => token === 'or',
  ).length;
  count += [...units(sql.from.conds), ...units(sql.where), ...units(sql.having)].filter(
    (unit) => unit[1] === like,
  ).length;
  return count;
}

// Upstream tests `unit[0] != 0` on whatever it is given: the aggregate of select items and column units, but the
// NOT flag of WHERE units and, for HAVING, every element (so an 'and'/'or' connector counts as an aggregate).
function countsAsAggregate(first: unknown): boolean {
  return first !== 0 && first !== false;
}

function others(sql: SpiderSql): number {
  let aggregates = sql.select[1].filter((item) => countsAsAggregate(item[0])).length;
  aggregates += units(sql.where).filter((unit) => countsAsAggregate(unit[0])).length;
  aggregates += sql.groupBy.filter((unit) => countsAsAggregate(unit[0])).length;
  const [, items] = sql.orderBy;
  if (items !== undefined) {
    const columns = [...items.map((unit) => unit[1]), ...items.flatMap((unit) => (unit[2] === null ? [] : [unit[2]]))];
    aggregates += columns.filter((unit) => countsAsAggregate(unit[0])).length;
  }
  aggregates += sql.having.filter((element) => countsAsAggregate(element[0])).length;
  let count = aggregates > 1 ? 1 : 0;
  if (sql.select[1].length > 1) count += 1;
  if (sql.where.length > 1) count += 1;
  if (sql.groupBy.length > 1) count += 1;
  return count;
}

/** Spider's hardness of a (gold) query: easy, medium, hard or extra, from its component counts. */
export function hardness(options: HardnessOptions): Hardness {
  const { sql } = options;
  const one = componentOne(sql);
  const two = nestedQueries(sql).length;
  const other = others(sql);
  if (one <= 1 && other === 0 && two === 0) return 'easy';
  if ((other <= 2 && one <= 1 && two === 0) || (one <= 2 && other < 2 && two === 0)) return 'medium';
  if (
    (other > 2 && one <= 2 && two === 0) ||
    (one > 2 && one <= 3 && other <= 2 && two === 0) ||
    (one <= 1 && other === 0 && two <= 1)
  )
    return 'hard';
  return 'extra';
}
