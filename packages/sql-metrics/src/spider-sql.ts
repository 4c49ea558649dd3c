// The parsed-SQL shape of Spider's `process_sql` (the `sql` field of Spider's dev.json), with its index tables.

/** `[aggregate id, column id like "__singer.name__" or "__all__", distinct]` (distinct is null once normalised). */
export type ColumnUnit = readonly [aggregate: number, column: string, distinct: boolean | null];
/** `[unit operator id, first column, second column or null]`. */
export type ValueUnit = readonly [operator: number, first: ColumnUnit, second: ColumnUnit | null];
/** A condition value: a number, a quoted string token (quotes kept), a column unit, a subquery, or null once values are dropped. */
export type SqlValue = null | number | string | ColumnUnit | SpiderSql;
/** `[not, operator id, value unit, first value, second value]`. */
export type ConditionUnit = readonly [
  not: boolean,
  operator: number,
  valueUnit: ValueUnit,
  first: SqlValue,
  second: SqlValue,
];
/** Condition units joined by `and`/`or`: `[unit, 'and', unit, …]`. */
export type Condition = readonly (ConditionUnit | 'and' | 'or')[];
/** A FROM item: a table id like `"__singer__"`, or a subquery. */
export type TableUnit = readonly ['table_unit', string] | readonly ['sql', SpiderSql];

/** One parsed query, field for field as Spider's parser builds it. */
export interface SpiderSql {
  select: readonly [distinct: boolean | null, items: readonly (readonly [aggregate: number, valueUnit: ValueUnit])[]];
  from: { table_units: readonly TableUnit[]; conds: Condition };
  where: Condition;
  groupBy: readonly ColumnUnit[];
  having: Condition;
  /** `[]` when there is no ORDER BY. */
  orderBy: readonly [] | readonly [direction: 'asc' | 'desc', items: readonly ValueUnit[]];
  /** Spider's test-suite parser keeps only whether LIMIT is there: 1 or null. */
  limit: number | null;
  intersect: SpiderSql | null;
  except: SpiderSql | null;
  union: SpiderSql | null;
}

export const clauseKeywords = [
  'select',
  'from',
  'where',
  'group',
  'order',
  'limit',
  'intersect',
  'union',
  'except',
] as const;
export const joinKeywords = ['join', 'on', 'as'] as const;
export const whereOperators = [
  'not',
  'between',
  '=',
  '>',
  '<',
  '>=',
  '<=',
  '!=',
  'in',
  'like',
  'is',
  'exists',
] as const;
export const unitOperators = ['none', '-', '+', '*', '/'] as const;
export const aggregateOperators = ['none', 'max', 'min', 'count', 'sum', 'avg'] as const;
export const setOperators = ['intersect', 'union', 'except'] as const;

/** What an unparseable prediction becomes: it matches nothing. */
export function emptySql(): SpiderSql {
  return {
    select: [false, []],
    from: { table_units: [], conds: [] },
    where: [],
    groupBy: [],
    having: [],
    orderBy: [],
    limit: null,
    intersect: null,
    except: null,
    union: null,
  };
}
