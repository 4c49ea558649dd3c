import { pythonKey } from './internal/python-key.js';
import type { SpiderSchema } from './schema.js';
import type { ColumnUnit, Condition, ConditionUnit, SpiderSql, SqlValue, TableUnit, ValueUnit } from './spider-sql.js';

/** The ten partial components, in the official report's order. */
export const partialComponents = [
  'select',
  'select(no AGG)',
  'where',
  'where(no OP)',
  'group(no Having)',
  'group',
  'order',
  'and/or',
  'IUEN',
  'keywords',
] as const;
export type PartialComponent = (typeof partialComponents)[number];

/** One component's score for one question, as the official per-item output has it. */
export interface PartialScore {
  acc: number;
  rec: number;
  f1: number;
  label_total: number;
  pred_total: number;
}

export interface ExactMatchResult {
  /** 1 when every component matches and the FROM tables are equal. */
  exact: 0 | 1;
  partial: Record<PartialComponent, PartialScore>;
}

export interface ExactMatchOptions {
  /** The parsed prediction (use `emptySql()` for one that did not parse). */
  pred: SpiderSql;
  /** The parsed gold query. */
  gold: SpiderSql;
  /** The schema both were parsed against (its foreign-key map is applied). */
  schema: SpiderSchema;
  /** Compare literal values too (upstream DISABLE_VALUE = False). Default false. */
  compareValues?: boolean;
  /** Compare DISTINCT flags too (upstream DISABLE_DISTINCT = False). Default false. */
  keepDistinct?: boolean;
  /**
   * 'official' (default) reproduces upstream, bugs included; 'fixed' normalises nested subqueries like the top
   * level, merges foreign-key columns only when the referenced table is in FROM, and reports and/or totals the
   * right way round.
   */
  mode?: 'official' | 'fixed';
}

interface Normalisation {
  validColumns: (column: string) => boolean;
  foreignKeyMap: ReadonlyMap<string, string>;
  keepDistinct: boolean;
  fixed: boolean;
}

function isSubquery(value: SqlValue): value is SpiderSql {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// rebuild_sql_val: values become None unless they are subqueries (which are rebuilt recursively); FROM subqueries
// are left alone, as upstream does.
function dropValues(sql: SpiderSql): SpiderSql {
  const condition = (items: Condition): Condition =>
    items.map((item) => {
      if (typeof item === 'string') return item;
      const [not, operator, valueUnit, first, second] = item;
      return [
        not,
        operator,
        valueUnit,
        isSubquery(first) ? dropValues(first) : null,
        isSubquery(second) ? dropValues(second) : null,
      ] as ConditionUnit;
    });
  return {
    ...sql,
    from: { table_units: sql.from.table_units, conds: condition(sql.from.conds) },
    where: condition(sql.where),
    having: condition(sql.having),
    intersect: sql.intersect && dropValues(sql.intersect),
    except: sql.except && dropValues(sql.except),
    union: sql.union && dropValues(sql.union),
  };
}

// rebuild_sql_col: foreign-key canonicalisation and DISTINCT dropping, applied to every column unit outside
// condition values (so not inside WHERE/HAVING subqueries, unless fixed).
function normaliseColumns(sql: SpiderSql, context: Normalisation): SpiderSql {
  const column = (unit: ColumnUnit | null): ColumnUnit | null => {
    if (unit === null) return null;
    const [aggregate, id, distinct] = unit;
    const mapped = context.foreignKeyMap.get(id);
    return [
      aggregate,
      mapped !== undefined && context.validColumns(id) ? mapped : id,
      context.keepDistinct ? distinct : null,
    ];
  };
  const value = (unit: ValueUnit): ValueUnit => [unit[0], column(unit[1]) as ColumnUnit, column(unit[2])];
  const nested = (item: SqlValue): SqlValue =>
    context.fixed && isSubquery(item) ? normaliseColumns(item, context) : item;
  const condition = (items: Condition): Condition =>
    items.map((item) =>
      typeof item === 'string'
        ? item
        : ([item[0], item[1], value(item[2]), nested(item[3]), nested(item[4])] as ConditionUnit),
    );
  return {
    select: [
      context.keepDistinct ? sql.select[0] : null,
      sql.select[1].map(([aggregate, unit]) => [aggregate, value(unit)] as const),
    ],
    from: { table_units: sql.from.table_units, conds: condition(sql.from.conds) },
    where: condition(sql.where),
    groupBy: sql.groupBy.map((unit) => column(unit) as ColumnUnit),
    having: condition(sql.having),
    orderBy: sql.orderBy.length === 0 ? [] : [sql.orderBy[0], sql.orderBy[1].map(value)],
    limit: sql.limit,
    intersect: sql.intersect && normaliseColumns(sql.intersect, context),
    except: sql.except && normaliseColumns(sql.except, context),
    union: sql.union && normaliseColumns(sql.union, context),
  };
}

function tableIds(tableUnits: readonly TableUnit[]): Set<string> {
  return new Set(tableUnits.filter((unit) => unit[0] === 'table_unit').map((unit) => (unit[1] as string).slice(0, -2)));
}

/** Normalises a parsed query for comparison as upstream's evaluator does before exact match. */
function normaliseForMatch(
  sql: SpiderSql,
  schema: SpiderSchema,
  options: Omit<ExactMatchOptions, 'pred' | 'gold' | 'schema'> = {},
): SpiderSql {
  const fixed = options.mode === 'fixed';
  const prefixes = tableIds(sql.from.table_units);
  const valid = (id: string): boolean => id.includes('.') && prefixes.has(id.slice(0, id.indexOf('.')));
  const validColumns = fixed
    ? (id: string): boolean => {
        const target = schema.foreignKeyMap.get(id);
        return valid(id) && target !== undefined && valid(target);
      }
    : valid;
  const withoutValues = options.compareValues === true ? sql : dropValues(sql);
  return normaliseColumns(withoutValues, {
    validColumns,
    foreignKeyMap: schema.foreignKeyMap,
    keepDistinct: options.keepDistinct === true,
    fixed,
  });
}

function scores(count: number, predTotal: number, labelTotal: number): PartialScore {
  const score = predTotal === labelTotal && count === predTotal ? 1 : 0;
  return { acc: score, rec: score, f1: score, label_total: labelTotal, pred_total: predTotal };
}

// How many of `pred` can be matched (and removed) from `label`, as Python's `if unit in label: label.remove(unit)`.
function multisetMatches(pred: readonly unknown[], label: readonly unknown[]): number {
  const remaining = new Map<string, number>();
  for (const item of label) {
    const key = pythonKey(item);
    remaining.set(key, (remaining.get(key) ?? 0) + 1);
  }
  let count = 0;
  for (const item of pred) {
    const key = pythonKey(item);
    const left = remaining.get(key) ?? 0;
    if (left > 0) {
      count += 1;
      remaining.set(key, left - 1);
    }
  }
  return count;
}

function conditionUnits(condition: Condition): ConditionUnit[] {
  return condition.filter((_, index) => index % 2 === 0) as ConditionUnit[];
}

function keywords(sql: SpiderSql): Set<string> {
  const result = new Set<string>();
  if (sql.where.length > 0) result.add('where');
  if (sql.groupBy.length > 0) result.add('group');
  if (sql.having.length > 0) result.add('having');
  const [direction] = sql.orderBy;
  if (direction !== undefined) result.add(direction).add('order');
  if (sql.limit !== null) result.add('limit');
  if (sql.except !== null) result.add('except');
  if (sql.union !== null) result.add('union');
  if (sql.intersect !== null) result.add('intersect');
  const connectors = [sql.from.conds, sql.where, sql.having].flatMap((condition) =>
    condition.filter((_, index) => index % 2 === 1),
  );
  if (connectors.includes('or')) result.add('or');
  const units = [sql.from.conds, sql.where, sql.having].flatMap(conditionUnits);
  if (units.some((unit) => unit[0])) result.add('not');
  if (units.some((unit) => unit[1] === 8)) result.add('in');
  if (units.some((unit) => unit[1] === 9)) result.add('like');
  return result;
}

function groupName(id: string): string {
  return id.includes('.') ? (id.split('.')[1] as string) : id;
}

function partialScores(pred: SpiderSql, label: SpiderSql, fixed: boolean): Record<PartialComponent, PartialScore> {
  const predSelect = pred.select[1];
  const labelSelect = label.select[1];
  const predWhere = conditionUnits(pred.where);
  const labelWhere = conditionUnits(label.where);
  const predGroup = pred.groupBy.map((unit) => unit[1]);
  const labelGroup = label.groupBy.map((unit) => unit[1]);

  const havingCount =
    predGroup.length > 0 &&
    labelGroup.length > 0 &&
    pythonKey(predGroup) === pythonKey(labelGroup) &&
    pythonKey(pred.having) === pythonKey(label.having)
      ? 1
      : 0;
  const orderCount =
    label.orderBy.length > 0 &&
    pythonKey(pred.orderBy) === pythonKey(label.orderBy) &&
    (pred.limit === null) === (label.limit === null)
      ? 1
      : 0;

  const predConnectors = new Set(pred.where.filter((_, index) => index % 2 === 1));
  const labelConnectors = new Set(label.where.filter((_, index) => index % 2 === 1));
  const sameConnectors =
    predConnectors.size === labelConnectors.size && [...predConnectors].every((item) => labelConnectors.has(item));
  // Upstream returns (len(pred), len(label), 0) into (label_total, pred_total, cnt): swapped, unless fixed.
  const andOr = sameConnectors
    ? scores(1, 1, 1)
    : fixed
      ? scores(0, predConnectors.size, labelConnectors.size)
      : scores(0, labelConnectors.size, predConnectors.size);

  let iuenLabel = 0;
  let iuenPred = 0;
  let iuenCount = 0;
  for (const part of ['intersect', 'except', 'union'] as const) {
    const predPart = pred[part];
    const labelPart = label[part];
    if (predPart !== null) iuenPred += 1;
    if (labelPart !== null) iuenLabel += 1;
    if (predPart !== null && labelPart !== null) iuenCount += matchNormalised(predPart, labelPart, fixed).exact;
  }

  const predKeywords = keywords(pred);
  const labelKeywords = keywords(label);
  const keywordCount = [...predKeywords].filter((keyword) => labelKeywords.has(keyword)).length;

  // A component scored on how many of its units match, optionally compared by one part of each unit.
  const unitScores = <T>(
    predUnits: readonly T[],
    labelUnits: readonly T[],
    part?: (unit: T) => unknown,
  ): PartialScore =>
    scores(
      part ? multisetMatches(predUnits.map(part), labelUnits.map(part)) : multisetMatches(predUnits, labelUnits),
      predUnits.length,
      labelUnits.length,
    );

  return {
    select: unitScores(predSelect, labelSelect),
    'select(no AGG)': unitScores(predSelect, labelSelect, (item) => item[1]),
    where: unitScores(predWhere, labelWhere),
    'where(no OP)': unitScores(predWhere, labelWhere, (unit) => unit[2]),
    'group(no Having)': unitScores(predGroup, labelGroup, groupName),
    group: scores(havingCount, predGroup.length > 0 ? 1 : 0, labelGroup.length > 0 ? 1 : 0),
    order: scores(orderCount, pred.orderBy.length > 0 ? 1 : 0, label.orderBy.length > 0 ? 1 : 0),
    'and/or': andOr,
    IUEN: scores(iuenCount, iuenPred, iuenLabel),
    keywords: scores(keywordCount, predKeywords.size, labelKeywords.size),
  };
}

function matchNormalised(pred: SpiderSql, label: SpiderSql, fixed: boolean): ExactMatchResult {
  const partial = partialScores(pred, label, fixed);
  if (partialComponents.some((component) => partial[component].f1 !== 1)) return { exact: 0, partial };
  if (label.from.table_units.length === 0) return { exact: 1, partial };
  // sorted(label) == sorted(pred): equal as multisets.
  const labelTables = label.from.table_units.map(pythonKey).sort();
  const predTables = pred.from.table_units.map(pythonKey).sort();
  return { exact: pythonKey(labelTables) === pythonKey(predTables) ? 1 : 0, partial };
}

/**
 * Spider's exact set match of a prediction against the gold, with the ten partial component scores. Both are
 * normalised first (values and DISTINCT dropped unless asked, foreign-key columns merged).
 */
export function exactMatch(options: ExactMatchOptions): ExactMatchResult {
  const pred = normaliseForMatch(options.pred, options.schema, options);
  const gold = normaliseForMatch(options.gold, options.schema, options);
  return matchNormalised(pred, gold, options.mode === 'fixed');
}
