import { SqlParseError } from './errors.js';
import { pythonFloat } from './internal/python-text.js';
import type { SpiderSchema } from './schema.js';
import {
  aggregateOperators,
  type ColumnUnit,
  type Condition,
  type ConditionUnit,
  clauseKeywords,
  joinKeywords,
  type SpiderSql,
  type SqlValue,
  setOperators,
  type TableUnit,
  unitOperators,
  type ValueUnit,
  whereOperators,
} from './spider-sql.js';
import { tokenizeSql } from './tokenize-sql.js';

export interface ParseSqlOptions {
  /** The SQL text. */
  sql: string;
  /** The database schema the names resolve against. */
  schema: SpiderSchema;
  /**
   * 'official' (default) keeps upstream's one alias map for the whole query; 'fixed' resolves aliases per
   * INTERSECT/UNION/EXCEPT part (test-suite-sql-eval issues #19/#20).
   */
  mode?: 'official' | 'fixed';
}

const clauses: ReadonlySet<string> = new Set(clauseKeywords);
const joins: ReadonlySet<string> = new Set(joinKeywords);
const andOr: ReadonlySet<string> = new Set(['and', 'or']);
const orderDirections: ReadonlySet<string> = new Set(['desc', 'asc']);

// Thrown inside the parser: not an Error, so a rejected prediction costs no stack trace. parseSql turns it into
// SqlParseError; evaluate, which only asks whether a prediction parses, never builds one.
class ParseFailure {
  constructor(readonly reason: string) {}
}

// Subqueries and INTERSECT/UNION/EXCEPT parts nest the parse (and everything that walks its result) this deep at
// most: deeper would overflow the stack, as Python's recursion limit stops upstream at a similar depth.
const maxNesting = 200;

function includes(list: readonly string[], token: string): boolean {
  return list.includes(token);
}

// A line-by-line model of Spider's recursive-descent parser, including where it reads past the end (an error),
// keeps going after a clause or ignores trailing tokens: anything it rejects, we reject.
class SpiderParser {
  private aliases: Map<string, string>;
  private nesting = 0;
  // Fixed mode: alias maps per top-level INTERSECT/UNION/EXCEPT part, keyed by the part's first token.
  private readonly partAliases = new Map<number, Map<string, string>>();

  constructor(
    private readonly schema: SpiderSchema,
    readonly tokens: readonly string[],
    scoped: boolean,
  ) {
    const starts = [0];
    if (scoped) {
      let depth = 0;
      tokens.forEach((token, index) => {
        if (token === '(') depth += 1;
        else if (token === ')') depth -= 1;
        else if (depth === 0 && includes(setOperators, token)) starts.push(index + 1);
      });
    }
    starts.forEach((start, part) =>
      this.partAliases.set(start, this.scanAliases(start, starts[part + 1] ?? tokens.length)),
    );
    this.aliases = this.partAliases.get(0) as Map<string, string>;
  }

  // Upstream `scan_alias` + `get_tables_with_alias`: every `X as Y` in the range; no alias may be a table's name.
  // The schema's tables (which upstream adds as `t → t`) are looked up in the schema itself, see table().
  private scanAliases(start: number, end: number): Map<string, string> {
    const aliases = new Map<string, string>();
    for (let index = start; index < end; index += 1) {
      if (this.tokens[index] !== 'as') continue;
      const alias = this.tokens[index + 1];
      if (alias === undefined) this.fail('AS at the end of the query');
      aliases.set(alias, this.tokens.at(index - 1) as string);
    }
    for (const alias of aliases.keys())
      if (this.schema.tables.has(alias)) this.fail(`alias ${alias} has the same name as a table`);
    return aliases;
  }

  fail(message: string): never {
    throw new ParseFailure(message);
  }

  /** An optional `(` at `start`: where parsing goes on, and whether a `)` must close it. */
  private openParenthesis(tokens: readonly string[], start: number): [number, boolean] {
    return this.at(tokens, start) === '(' ? [start + 1, true] : [start, false];
  }

  /** Steps past the `)` that an opening `(` needs; `place` ends the error message (" after value"). */
  private closeParenthesis(tokens: readonly string[], index: number, opened: boolean, place: string): number {
    if (!opened) return index;
    if (this.at(tokens, index) !== ')') this.fail(`expected )${place}`);
    return index + 1;
  }

  private at(tokens: readonly string[], index: number): string {
    const token = tokens[index];
    if (token === undefined) this.fail('unexpected end of query');
    return token;
  }

  private table(alias: string): string {
    const table = this.aliases.get(alias) ?? (this.schema.tables.has(alias) ? alias : undefined);
    if (table === undefined) this.fail(`unknown table or alias ${alias}`);
    return table;
  }

  private id(key: string): string {
    const id = this.schema.idMap.get(key);
    if (id === undefined) this.fail(`unknown name ${key}`);
    return id;
  }

  private column(
    tokens: readonly string[],
    start: number,
    defaultTables: readonly string[] | undefined,
  ): [number, string] {
    const token = this.at(tokens, start);
    if (token === '*') return [start + 1, this.id(token)];
    if (token.includes('.')) {
      const parts = token.split('.');
      if (parts.length !== 2) this.fail(`cannot split column ${token}`);
      return [start + 1, this.id(`${this.table(parts[0] as string)}.${parts[1] as string}`)];
    }
    if (defaultTables === undefined || defaultTables.length === 0) this.fail('default tables should not be empty');
    for (const alias of defaultTables) {
      const table = this.table(alias);
      const columns = this.schema.tables.get(table);
      if (columns === undefined) this.fail(`unknown table ${table}`);
      if (columns.includes(token)) return [start + 1, this.id(`${table}.${token}`)];
    }
    return this.fail(`unknown column ${token}`);
  }

  columnUnit(
    tokens: readonly string[],
    start: number,
    defaultTables: readonly string[] | undefined,
  ): [number, ColumnUnit] {
    let [index, block] = this.openParenthesis(tokens, start);
    let distinct = false;
    const first = this.at(tokens, index);
    if (includes(aggregateOperators, first)) {
      const aggregate = aggregateOperators.indexOf(first as (typeof aggregateOperators)[number]);
      index += 1;
      if (!(index < tokens.length && tokens[index] === '(')) this.fail(`expected ( after ${first}`);
      index += 1;
      if (this.at(tokens, index) === 'distinct') {
        index += 1;
        distinct = true;
      }
      let column: string;
      [index, column] = this.column(tokens, index, defaultTables);
      if (!(index < tokens.length && tokens[index] === ')')) this.fail(`expected ) after ${first}(`);
      index += 1;
      return [index, [aggregate, column, distinct]];
    }
    if (first === 'distinct') {
      index += 1;
      distinct = true;
    }
    let column: string;
    [index, column] = this.column(tokens, index, defaultTables);
    index = this.closeParenthesis(tokens, index, block, '');
    return [index, [0, column, distinct]];
  }

  valueUnit(start: number, defaultTables: readonly string[] | undefined): [number, ValueUnit] {
    const tokens = this.tokens;
    let [index, block] = this.openParenthesis(tokens, start);
    let first: ColumnUnit;
    let second: ColumnUnit | null = null;
    let operator = 0;
    [index, first] = this.columnUnit(tokens, index, defaultTables);
    const next = tokens[index];
    if (next !== undefined && includes(unitOperators, next)) {
      operator = unitOperators.indexOf(next as (typeof unitOperators)[number]);
      index += 1;
      [index, second] = this.columnUnit(tokens, index, defaultTables);
    }
    index = this.closeParenthesis(tokens, index, block, '');
    return [index, [operator, first, second]];
  }

  private tableUnit(start: number): [number, string, string] {
    const key = this.table(this.at(this.tokens, start));
    const index = this.tokens[start + 1] === 'as' ? start + 3 : start + 1;
    return [index, this.id(key), key];
  }

  private value(start: number, defaultTables: readonly string[] | undefined): [number, SqlValue] {
    const tokens = this.tokens;
    let [index, block] = this.openParenthesis(tokens, start);
    let value: SqlValue;
    const token = this.at(tokens, index);
    const number = pythonFloat(token);
    if (token === 'select') {
      [index, value] = this.sql(index);
    } else if (token.includes('"')) {
      value = token;
      index += 1;
    } else if (number !== undefined) {
      value = number;
      index += 1;
    } else {
      let end = index;
      while (end < tokens.length) {
        const current = tokens[end] as string;
        if (current === ',' || current === ')' || current === 'and' || clauses.has(current) || joins.has(current))
          break;
        end += 1;
      }
      // Upstream slices from the value's start (a leading parenthesis included) and resumes after the slice.
      [, value] = this.columnUnit(tokens.slice(start, end), 0, defaultTables);
      index = end;
    }
    index = this.closeParenthesis(tokens, index, block, ' after value');
    return [index, value];
  }

  condition(start: number, defaultTables: readonly string[] | undefined): [number, Condition] {
    const tokens = this.tokens;
    let index = start;
    const conditions: (ConditionUnit | 'and' | 'or')[] = [];
    while (index < tokens.length) {
      let valueUnit: ValueUnit;
      [index, valueUnit] = this.valueUnit(index, defaultTables);
      let not = false;
      if (this.at(tokens, index) === 'not') {
        not = true;
        index += 1;
      }
      const operatorToken = tokens[index];
      if (operatorToken === undefined || !includes(whereOperators, operatorToken))
        this.fail(`expected a condition operator, found ${operatorToken ?? 'the end'}`);
      const operator = whereOperators.indexOf(operatorToken as (typeof whereOperators)[number]);
      index += 1;
      let first: SqlValue;
      let second: SqlValue = null;
      if (operator === whereOperators.indexOf('between')) {
        [index, first] = this.value(index, defaultTables);
        if (this.at(tokens, index) !== 'and') this.fail('expected AND in BETWEEN');
        index += 1;
        [index, second] = this.value(index, defaultTables);
      } else {
        [index, first] = this.value(index, defaultTables);
      }
      conditions.push([not, operator, valueUnit, first, second]);
      const next = tokens[index];
      if (next !== undefined && (clauses.has(next) || next === ')' || next === ';' || joins.has(next))) break;
      if (next !== undefined && andOr.has(next)) {
        conditions.push(next as 'and' | 'or');
        index += 1;
      }
    }
    return [index, conditions];
  }

  private select(start: number, defaultTables: readonly string[]): SpiderSql['select'] {
    const tokens = this.tokens;
    let index = start;
    if (this.at(tokens, index) !== 'select') this.fail("'select' not found");
    index += 1;
    let distinct = false;
    if (tokens[index] === 'distinct') {
      index += 1;
      distinct = true;
    }
    const items: (readonly [number, ValueUnit])[] = [];
    while (index < tokens.length && !clauses.has(tokens[index] as string)) {
      let aggregate = 0;
      const token = tokens[index] as string;
      if (includes(aggregateOperators, token)) {
        aggregate = aggregateOperators.indexOf(token as (typeof aggregateOperators)[number]);
        index += 1;
      }
      let valueUnit: ValueUnit;
      [index, valueUnit] = this.valueUnit(index, defaultTables);
      items.push([aggregate, valueUnit]);
      if (tokens[index] === ',') index += 1;
    }
    return [distinct, items];
  }

  private from(start: number): [number, TableUnit[], Condition, string[]] {
    const tokens = this.tokens;
    const fromIndex = tokens.indexOf('from', start);
    if (fromIndex < 0) this.fail("'from' not found");
    let index = fromIndex + 1;
    const defaultTables: string[] = [];
    const tableUnits: TableUnit[] = [];
    const conditions: (ConditionUnit | 'and' | 'or')[] = [];
    while (index < tokens.length) {
      let block: boolean;
      [index, block] = this.openParenthesis(tokens, index);
      if (this.at(tokens, index) === 'select') {
        let sql: SpiderSql;
        [index, sql] = this.sql(index);
        tableUnits.push(['sql', sql]);
      } else {
        if (tokens[index] === 'join') index += 1;
        let id: string;
        let name: string;
        [index, id, name] = this.tableUnit(index);
        tableUnits.push(['table_unit', id]);
        defaultTables.push(name);
      }
      if (tokens[index] === 'on') {
        index += 1;
        let more: Condition;
        [index, more] = this.condition(index, defaultTables);
        if (conditions.length > 0) conditions.push('and');
        conditions.push(...more);
      }
      index = this.closeParenthesis(tokens, index, block, ' in FROM');
      const next = tokens[index];
      if (next !== undefined && (clauses.has(next) || next === ')' || next === ';')) break;
    }
    return [index, tableUnits, conditions, defaultTables];
  }

  private groupBy(start: number, defaultTables: readonly string[]): [number, ColumnUnit[]] {
    const tokens = this.tokens;
    let index = start;
    const units: ColumnUnit[] = [];
    if (index >= tokens.length || tokens[index] !== 'group') return [index, units];
    index += 1;
    if (this.at(tokens, index) !== 'by') this.fail('expected BY after GROUP');
    index += 1;
    while (
      index < tokens.length &&
      !(clauses.has(tokens[index] as string) || tokens[index] === ')' || tokens[index] === ';')
    ) {
      let unit: ColumnUnit;
      [index, unit] = this.columnUnit(tokens, index, defaultTables);
      units.push(unit);
      if (tokens[index] === ',') index += 1;
      else break;
    }
    return [index, units];
  }

  private orderBy(start: number, defaultTables: readonly string[]): [number, SpiderSql['orderBy']] {
    const tokens = this.tokens;
    let index = start;
    const units: ValueUnit[] = [];
    let direction: 'asc' | 'desc' = 'asc';
    if (index >= tokens.length || tokens[index] !== 'order') return [index, []];
    index += 1;
    if (this.at(tokens, index) !== 'by') this.fail('expected BY after ORDER');
    index += 1;
    while (
      index < tokens.length &&
      !(clauses.has(tokens[index] as string) || tokens[index] === ')' || tokens[index] === ';')
    ) {
      let unit: ValueUnit;
      [index, unit] = this.valueUnit(index, defaultTables);
      units.push(unit);
      if (orderDirections.has(tokens[index] as string)) {
        direction = tokens[index] as 'asc' | 'desc';
        index += 1;
      }
      if (tokens[index] === ',') index += 1;
      else break;
    }
    return [index, [direction, units]];
  }

  private condition_clause(start: number, keyword: string, defaultTables: readonly string[]): [number, Condition] {
    if (start >= this.tokens.length || this.tokens[start] !== keyword) return [start, []];
    return this.condition(start + 1, defaultTables);
  }

  private limit(start: number): [number, number | null] {
    if (start < this.tokens.length && this.tokens[start] === 'limit') {
      // Upstream reads the value token (an error past the end) and then keeps 1: tokens are never ints.
      this.at(this.tokens, start + 1);
      return [start + 2, 1];
    }
    return [start, null];
  }

  private skipSemicolons(start: number): number {
    let index = start;
    while (this.tokens[index] === ';') index += 1;
    return index;
  }

  sql(start: number): [number, SpiderSql] {
    const tokens = this.tokens;
    this.nesting += 1;
    if (this.nesting > maxNesting) this.fail(`queries nested more than ${maxNesting} deep`);
    this.aliases = this.partAliases.get(start) ?? this.aliases;
    let [index, block] = this.openParenthesis(tokens, start);
    const [fromEnd, tableUnits, fromConditions, defaultTables] = this.from(start);
    const select = this.select(index, defaultTables);
    index = fromEnd;
    let where: Condition;
    [index, where] = this.condition_clause(index, 'where', defaultTables);
    let groupBy: ColumnUnit[];
    [index, groupBy] = this.groupBy(index, defaultTables);
    let having: Condition;
    [index, having] = this.condition_clause(index, 'having', defaultTables);
    let orderBy: SpiderSql['orderBy'];
    [index, orderBy] = this.orderBy(index, defaultTables);
    let limit: number | null;
    [index, limit] = this.limit(index);
    index = this.skipSemicolons(index);
    index = this.closeParenthesis(tokens, index, block, ' after subquery');
    index = this.skipSemicolons(index);
    const sql: SpiderSql = {
      select,
      from: { table_units: tableUnits, conds: fromConditions },
      where,
      groupBy,
      having,
      orderBy,
      limit,
      intersect: null,
      except: null,
      union: null,
    };
    const next = tokens[index];
    if (next !== undefined && includes(setOperators, next)) {
      let nested: SpiderSql;
      [index, nested] = this.sql(index + 1);
      sql[next as 'intersect' | 'union' | 'except'] = nested;
    }
    this.nesting -= 1;
    return [index, sql];
  }
}

/**
 * Parses SQL in the Spider grammar against a schema, exactly as Spider's test-suite `process_sql.get_sql` does
 * (tokens after a complete query are ignored, as there). Throws SqlParseError where upstream raises.
 */
export function parseSql(options: ParseSqlOptions): SpiderSql {
  const tokens = tokenizeSql(options.sql);
  const parsed = parseTokens(tokens, options.schema, options.mode);
  if ('rejected' in parsed) throw new SqlParseError(parsed.rejected);
  return parsed;
}

/** {@link parseSql} of {@link tokenizeSql}'s tokens; where upstream rejects them, why (no error is built). */
export function parseTokens(
  tokens: readonly string[],
  schema: SpiderSchema,
  mode: ParseSqlOptions['mode'],
): SpiderSql | { rejected: string } {
  try {
    return new SpiderParser(schema, tokens, mode === 'fixed').sql(0)[1];
  } catch (error) {
    if (error instanceof ParseFailure)
      return { rejected: `${error.reason} (Spider grammar; tokens: ${tokens.join(' ')})` };
    throw error;
  }
}
