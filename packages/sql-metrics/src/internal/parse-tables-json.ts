// tables.json: an array of Spider schema entries, each checked as far as schemaFromTablesJson and foreignKeyMap
// read it, so that a malformed file is a SchemaError naming it and what is wrong, never a TypeError later on.
import { SchemaError } from '../errors.js';
import type { TablesJsonEntry } from '../schema.js';

// Where JSON.parse failed: newer V8 says "position N"; Node 20 quotes a snippet around the bad token instead.
function jsonErrorPosition(text: string, message: string): number | undefined {
  const position = /position (\d+)/.exec(message)?.[1];
  if (position !== undefined) return Number(position);
  if (message.includes('end of JSON input')) return text.length;
  const snippet = /^Unexpected token '(.+?)', (?:\.\.\.)?"([\s\S]*?)"(?:\.\.\.)? is not valid JSON$/.exec(message);
  if (snippet === null) return undefined;
  const [, token, context] = snippet as unknown as [string, string, string];
  const start = text.indexOf(context);
  return start < 0 ? undefined : start + context.indexOf(token);
}

const isIndex = (value: unknown, from: number, below: number): boolean =>
  Number.isInteger(value) && (value as number) >= from && (value as number) < below;

// What is wrong with one tables.json entry, checked as far as schemaFromTablesJson and foreignKeyMap read it.
function entryProblem(entry: unknown): string | undefined {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return 'it is not an object';
  const record = entry as Record<string, unknown>;
  const { table_names_original: tables, column_names_original: columns, foreign_keys: keys } = record;
  if (typeof record.db_id !== 'string') return 'db_id is not a string';
  if (!Array.isArray(tables) || !tables.every((table) => typeof table === 'string'))
    return 'table_names_original is not an array of names';
  if (!Array.isArray(columns)) return 'column_names_original is not an array';
  const badColumn = columns.findIndex(
    (column) => !Array.isArray(column) || !isIndex(column[0], -1, tables.length) || typeof column[1] !== 'string',
  );
  if (badColumn >= 0)
    return `column_names_original[${badColumn}] is not [table index, name] with a table of table_names_original (or -1)`;
  if (!Array.isArray(keys)) return 'foreign_keys is not an array';
  const badKey = keys.findIndex(
    (pair) => !Array.isArray(pair) || pair.length !== 2 || !pair.every((column) => isIndex(column, 0, columns.length)),
  );
  if (badKey >= 0) return `foreign_keys[${badKey}] is not a pair of column indices`;
  return undefined;
}

/** Parses tables.json text: an array of Spider schema entries, each checked; `path` names it in messages. */
export function parseTablesJson(text: string, path: string): Map<string, TablesJsonEntry> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    const position = jsonErrorPosition(text, (error as Error).message);
    const line = position === undefined ? '' : `:${text.slice(0, position).split('\n').length}`;
    throw new SchemaError(`${path}${line}: tables.json is not valid JSON (${(error as Error).message})`, {
      cause: error,
    });
  }
  if (!Array.isArray(data)) throw new SchemaError(`${path}: tables.json must be a JSON array of schema entries`);
  const entries = new Map<string, TablesJsonEntry>();
  data.forEach((entry: unknown, index) => {
    const problem = entryProblem(entry);
    if (problem !== undefined) {
      const name = (entry as { db_id?: unknown } | null)?.db_id;
      throw new SchemaError(
        `${path}: entry ${index} is not a Spider schema (${typeof name === 'string' ? `db_id "${name}": ` : ''}${problem}); each entry needs db_id, table_names_original, column_names_original [[table, name]…], foreign_keys [[a, b]…]`,
      );
    }
    entries.set((entry as TablesJsonEntry).db_id, entry as TablesJsonEntry);
  });
  return entries;
}
