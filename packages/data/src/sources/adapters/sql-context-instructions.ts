import type { SourceEvent } from '../dataset-record.js';
import { openParquetFile, readParquetRows } from '../read-parquet-rows.js';
import {
  layoutError,
  type ProbeSourceOptions,
  parquetConversionTrain,
  type ReadSourceOptions,
  type SourceAdapter,
  type SourceLayout,
  sourceDrop,
  sourceRecord,
  stringField,
} from '../source-adapter.js';

/** WikiSQL's `sql` struct as the Hugging Face `wikisql` features store it (conds as a struct of lists). */
export interface WikiSqlQuery {
  sel: number;
  agg: number;
  conds: { column_index: number[]; operator_index: number[]; condition: string[] };
  human_readable?: string;
}

/** WikiSQL's `table` struct (the fields the conversion needs). */
export interface WikiSqlTable {
  id: string;
  header: string[];
  types: string[];
}

const aggregations = ['', 'MAX', 'MIN', 'COUNT', 'SUM', 'AVG'];
const operators = ['=', '>', '<'];

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function literal(value: string, type: string | undefined): string {
  const trimmed = value.trim();
  if (type === 'real' && trimmed !== '' && Number.isFinite(Number(trimmed))) return trimmed;
  return `'${value.replaceAll("'", "''")}'`;
}

/** WikiSQL's table id `1-1000181-1` as a table name, `table_1_1000181_1` (the name WikiSQL's own SQLite files use). */
function wikiSqlTableName(id: string): string {
  return `table_${id.replace(/[^A-Za-z0-9]/g, '_')}`;
}

/** CREATE TABLE for a WikiSQL table: quoted headers, `text` → TEXT, `real` → REAL. */
function wikiSqlSchema(table: WikiSqlTable): string {
  const columns = table.header.map(
    (name, index) => `${quoteIdentifier(name)} ${table.types[index] === 'real' ? 'REAL' : 'TEXT'}`,
  );
  return `CREATE TABLE ${quoteIdentifier(wikiSqlTableName(table.id))} (${columns.join(', ')})`;
}

/**
 * Turns WikiSQL's logical form (`sel`, `agg`, `conds`) into SQL over the table, as WikiSQL's own
 * `Query.__repr__`/executor do: aggregation around the selected column, conditions joined with AND,
 * numbers unquoted in `real` columns and everything else a quoted string. Throws a RangeError on indices
 * outside the table.
 */
export function wikiSqlToSql(query: WikiSqlQuery, table: WikiSqlTable): string {
  const column = (index: number) => {
    const name = table.header[index];
    if (name === undefined)
      throw new RangeError(`column index ${index} is outside the table's ${table.header.length} columns`);
    return quoteIdentifier(name);
  };
  const aggregation = aggregations[query.agg];
  if (aggregation === undefined) throw new RangeError(`aggregation index ${query.agg} is not one of 0-5`);
  const selected = aggregation === '' ? column(query.sel) : `${aggregation}(${column(query.sel)})`;
  const { column_index: columns, operator_index: operatorIndices, condition: values } = query.conds;
  if (columns.length !== operatorIndices.length || columns.length !== values.length)
    throw new RangeError('conds lists differ in length');
  const conditions = columns.map((index, position) => {
    const operator = operators[operatorIndices[position]!];
    if (operator === undefined) throw new RangeError(`operator index ${operatorIndices[position]} is not one of 0-2`);
    return `${column(index)} ${operator} ${literal(values[position]!, table.types[index])}`;
  });
  return `SELECT ${selected} FROM ${quoteIdentifier(wikiSqlTableName(table.id))}${conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : ''}`;
}

function numberList(value: unknown): number[] | undefined {
  return Array.isArray(value) && value.every((item) => typeof item === 'number' || typeof item === 'bigint')
    ? value.map(Number)
    : undefined;
}

function stringList(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((item) => typeof item === 'string') ? (value as string[]) : undefined;
}

/** Reads the nested `sql` and `table` structs of one row; undefined when a field is missing or mistyped. */
function readWikiSql(value: Record<string, unknown>): { query: WikiSqlQuery; table: WikiSqlTable } | undefined {
  const sql = value.sql as Record<string, unknown> | null | undefined;
  const table = value.table as Record<string, unknown> | null | undefined;
  if (typeof sql !== 'object' || sql === null || typeof table !== 'object' || table === null) return undefined;
  const conds = (sql.conds ?? {}) as Record<string, unknown>;
  const columnIndex = numberList(conds.column_index);
  const operatorIndex = numberList(conds.operator_index);
  const condition = stringList(conds.condition);
  const header = stringList(table.header);
  const types = stringList(table.types);
  const id = stringField(table.id);
  if (
    (typeof sql.sel !== 'number' && typeof sql.sel !== 'bigint') ||
    (typeof sql.agg !== 'number' && typeof sql.agg !== 'bigint')
  )
    return undefined;
  if (!columnIndex || !operatorIndex || !condition || !header || !types || id === undefined) return undefined;
  return {
    query: {
      sel: Number(sql.sel),
      agg: Number(sql.agg),
      conds: { column_index: columnIndex, operator_index: operatorIndex, condition },
      human_readable: stringField(sql.human_readable),
    },
    table: { id, header, types },
  };
}

/** The two layouts of the dataset's rows: the columns each reads. */
const layouts = {
  /** Hugging Face `wikisql` rows: the table as one struct column. */
  'wikisql-nested': ['question', 'sql', 'table'],
  /** The dataset card's: the table's fields (`header`, `types`, `id`, `rows`, …) as top-level columns, no `table`. */
  'wikisql-top-level': ['question', 'sql', 'header', 'types', 'id'],
} as const;
type LayoutName = keyof typeof layouts;

/** Which layout a file has, from its parquet schema (`sql` must be the wikisql struct in either). */
async function detectLayout(path: string): Promise<SourceLayout & { name: LayoutName }> {
  const { columns, groups } = await openParquetFile(path);
  const name = (Object.keys(layouts) as LayoutName[]).find((layout) =>
    layouts[layout].every((column) => columns.includes(column)),
  );
  if (name === undefined || !groups.has('sql'))
    throw layoutError(
      path,
      columns,
      `the wikisql columns question and sql{sel, agg, conds} with the table as a struct column table{header, types, id} (wikisql-nested) or as top-level columns header, types, id (wikisql-top-level)`,
    );
  return { name, columns };
}

/**
 * goendalf666/sql-context-instructions: parquet rows in the Hugging Face `wikisql` shape (`phase`, `question`,
 * `sql{human_readable, sel, agg, conds{column_index, operator_index, condition}}`), the table as a `table{header,
 * types, id, …}` struct or, as the dataset card shows, its fields as top-level columns beside `sql_table` and
 * `sql_alpaca_format*`. The logical form becomes real SQL over a CREATE TABLE made from the header and types.
 */
export const sqlContextInstructionsSource: SourceAdapter = {
  name: 'sql-context-instructions',
  repository: 'goendalf666/sql-context-instructions',
  licence: 'unknown',
  format: 'parquet',
  files: [{ pattern: /^data\/train-\d{5}-of-\d{5}(-[0-9a-f]+)?\.parquet$/, split: 'train' }],
  conversion: parquetConversionTrain,
  probe: (options: ProbeSourceOptions) => detectLayout(options.path),
  async *read(options: ReadSourceOptions): AsyncGenerator<SourceEvent> {
    const split = options.split ?? 'train';
    const layout = await detectLayout(options.path);
    for await (const { row, value } of readParquetRows({ ...options, columns: layouts[layout.name] })) {
      const question = stringField(value.question);
      const parsed = readWikiSql(layout.name === 'wikisql-nested' ? value : { sql: value.sql, table: value });
      if (question === undefined || parsed === undefined) {
        yield sourceDrop(
          'invalid-row',
          options.path,
          { row },
          'expected question, the wikisql sql struct and the table fields',
        );
        continue;
      }
      let sql: string;
      try {
        sql = wikiSqlToSql(parsed.query, parsed.table);
      } catch (error) {
        yield sourceDrop('invalid-wikisql', options.path, { row }, (error as Error).message);
        continue;
      }
      yield sourceRecord(sqlContextInstructionsSource, split, row, {
        question,
        schema: wikiSqlSchema(parsed.table),
        sql,
        dialect: 'sqlite',
        table: { name: wikiSqlTableName(parsed.table.id), columns: parsed.table.header, types: parsed.table.types },
        ...(parsed.query.human_readable === undefined ? {} : { humanReadableSql: parsed.query.human_readable }),
      });
    }
  },
};
