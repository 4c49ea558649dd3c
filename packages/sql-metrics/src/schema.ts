import { SchemaError } from './errors.js';

/** A database schema as Spider's evaluator sees it: lower-case table and column names, plus the id map. */
export interface SpiderSchema {
  /** Lower-case table name → its lower-case column names. */
  readonly tables: ReadonlyMap<string, readonly string[]>;
  /** `"*"` → `"__all__"`, `"t.c"` → `"__t.c__"`, `"t"` → `"__t__"`. */
  readonly idMap: ReadonlyMap<string, string>;
  /** Column ids that are merged by foreign keys: id → the representative id (smallest column index). */
  readonly foreignKeyMap: ReadonlyMap<string, string>;
}

/** One entry of Spider's `tables.json`. */
export interface TablesJsonEntry {
  db_id: string;
  table_names_original: string[];
  column_names_original: [number, string][];
  foreign_keys: [number, number][];
  [key: string]: unknown;
}

export interface CreateSchemaOptions {
  /** Table name → column names, in any case. */
  tables: Iterable<readonly [string, readonly string[]]>;
  /** Foreign-key map from {@link foreignKeyMap}; empty when not given. */
  foreignKeyMap?: ReadonlyMap<string, string>;
}

/** Builds a schema from table and column names (from a SQLite file, tables.json or anywhere else). */
export function createSchema(options: CreateSchemaOptions): SpiderSchema {
  const tables = new Map<string, string[]>();
  for (const [table, columns] of options.tables)
    tables.set(
      table.toLowerCase(),
      columns.map((column) => column.toLowerCase()),
    );
  const idMap = new Map<string, string>([['*', '__all__']]);
  for (const [table, columns] of tables)
    for (const column of columns) idMap.set(`${table}.${column}`, `__${table}.${column}__`);
  for (const table of tables.keys()) idMap.set(table, `__${table}__`);
  return { tables, idMap, foreignKeyMap: options.foreignKeyMap ?? new Map() };
}

/**
 * The foreign-key map of one tables.json entry, as upstream builds it: foreign-key pairs are grouped into sets
 * (a pair joins the first set holding either column; sets are never merged), and each column maps to the
 * set's smallest column index.
 */
export function foreignKeyMap(entry: TablesJsonEntry): Map<string, string> {
  const columns = entry.column_names_original.map(([tableIndex, column]) => {
    if (tableIndex < 0) return '__all__';
    const table = entry.table_names_original[tableIndex];
    if (table === undefined)
      throw new SchemaError(
        `tables.json entry "${entry.db_id}": column "${column}" points at table ${tableIndex}, which does not exist; fix column_names_original`,
      );
    return `__${table.toLowerCase()}.${column.toLowerCase()}__`;
  });
  const sets: Set<number>[] = [];
  for (const [first, second] of entry.foreign_keys) {
    let target = sets.find((set) => set.has(first) || set.has(second));
    if (target === undefined) {
      target = new Set();
      sets.push(target);
    }
    target.add(first).add(second);
  }
  const map = new Map<string, string>();
  for (const set of sets) {
    const sorted = [...set].sort((a, b) => a - b);
    const representative = columns[sorted[0] as number];
    for (const index of sorted) {
      const column = columns[index];
      if (column === undefined || representative === undefined)
        throw new SchemaError(
          `tables.json entry "${entry.db_id}": foreign key column ${index} does not exist; fix foreign_keys`,
        );
      map.set(column, representative);
    }
  }
  return map;
}

/** The schema of one tables.json entry (for databases without a SQLite file, such as CSpider's). */
export function schemaFromTablesJson(entry: TablesJsonEntry): SpiderSchema {
  const tables = entry.table_names_original.map((table): [string, string[]] => [table, []]);
  for (const [tableIndex, column] of entry.column_names_original)
    if (tableIndex >= 0) tables[tableIndex]?.[1].push(column);
  return createSchema({ tables, foreignKeyMap: foreignKeyMap(entry) });
}
