import { readFile } from 'node:fs/promises';
import type { TablesJsonEntry } from '@aquila/sql-metrics';
import type { PromptSchema } from './build-sql-prompt.js';
import { BenchmarkInputError } from './errors.js';

/** One benchmark question (a dev.json entry). */
export interface BenchmarkQuestion {
  /** 0-based index in dev.json. */
  id: number;
  question: string;
  databaseId: string;
  /** The gold SQL. */
  query: string;
}

export interface ReadBenchmarkOptions {
  /** Spider/CSpider dev.json: an array of `{question, db_id, query}`. */
  questions: string;
  /** tables.json. */
  tables: string;
  signal?: AbortSignal;
}

/** `file:line:column` of a character offset, for JSON errors. */
function place(path: string, text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return `${path}:${line}:${offset - before.lastIndexOf('\n')}`;
}

/** Reads a JSON file a flag names; a missing file, a folder or broken JSON is a BenchmarkInputError that says which. */
async function readJson(path: string, flag: string, what: string, signal: AbortSignal | undefined): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, { encoding: 'utf8', ...(signal === undefined ? {} : { signal }) });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new BenchmarkInputError(`${flag} ${path} does not exist; give the path of ${what}.`, { cause: error });
    if (code === 'EISDIR')
      throw new BenchmarkInputError(`${flag} ${path} is a folder; give the path of ${what} in it.`, { cause: error });
    if (signal?.aborted === true) throw error;
    throw new BenchmarkInputError(`cannot read ${flag} ${path}: ${(error as Error).message}`, { cause: error });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const message = (error as Error).message;
    const position = /at position (\d+)/.exec(message)?.[1];
    const where = position === undefined ? path : place(path, text, Number(position));
    throw new BenchmarkInputError(`${where}: ${flag} is not valid JSON (${message}); it should be ${what}.`, {
      cause: error,
    });
  }
}

/** The prompt schema of one tables.json entry: original names, column types, foreign keys as relations. */
function promptSchemaFromTablesJson(entry: TablesJsonEntry): PromptSchema {
  const types = Array.isArray(entry.column_types) ? (entry.column_types as unknown[]) : [];
  const tables = entry.table_names_original.map((name) => ({ name, columns: [] as { name: string; type?: string }[] }));
  entry.column_names_original.forEach(([table, name], index) => {
    const type = types[index];
    if (table >= 0) tables[table]?.columns.push(typeof type === 'string' ? { name, type } : { name });
  });
  const columnName = (index: number): string => {
    const [table, name] = entry.column_names_original[index] ?? [-1, ''];
    const tableName = entry.table_names_original[table];
    if (tableName === undefined)
      throw new BenchmarkInputError(
        `tables.json entry "${entry.db_id}": foreign key column ${index} does not exist; fix foreign_keys.`,
      );
    return `${tableName}.${name}`.toLowerCase();
  };
  return {
    name: entry.db_id,
    tables,
    relations: entry.foreign_keys.map(([from, to]) => `${columnName(from)} = ${columnName(to)}`),
  };
}

/** Reads dev.json and tables.json, checking every question names a schema. */
export async function readBenchmark(
  options: ReadBenchmarkOptions,
): Promise<{ questions: BenchmarkQuestion[]; schemas: Map<string, PromptSchema> }> {
  const data = await readJson(
    options.questions,
    '--questions',
    "Spider's dev.json (a JSON array of {question, db_id, query})",
    options.signal,
  );
  if (!Array.isArray(data))
    throw new BenchmarkInputError(
      `${options.questions}: expected a JSON array of {question, db_id, query} (Spider's dev.json).`,
    );
  const questions = data.map((entry: unknown, id): BenchmarkQuestion => {
    const record = entry as Record<string, unknown> | null;
    const query = record?.query ?? record?.SQL;
    if (typeof record?.question !== 'string' || typeof record.db_id !== 'string' || typeof query !== 'string') {
      throw new BenchmarkInputError(`${options.questions}: entry ${id} needs "question", "db_id" and "query" strings.`);
    }
    return { id, question: record.question, databaseId: record.db_id, query };
  });
  const entries = await readJson(
    options.tables,
    '--tables',
    "Spider's tables.json (a JSON array of schemas)",
    options.signal,
  );
  if (!Array.isArray(entries))
    throw new BenchmarkInputError(`${options.tables}: tables.json must be a JSON array of schema entries.`);
  const schemas = new Map<string, PromptSchema>();
  entries.forEach((entry: unknown, index) => {
    const record = entry as Partial<TablesJsonEntry> | null;
    if (
      typeof record?.db_id !== 'string' ||
      !Array.isArray(record.table_names_original) ||
      !Array.isArray(record.column_names_original) ||
      !Array.isArray(record.foreign_keys)
    ) {
      throw new BenchmarkInputError(
        `${options.tables}: entry ${index} is not a Spider schema (needs db_id, table_names_original, column_names_original, foreign_keys).`,
      );
    }
    schemas.set(record.db_id, promptSchemaFromTablesJson(record as TablesJsonEntry));
  });
  const missing = questions.find((question) => !schemas.has(question.databaseId));
  if (missing !== undefined)
    throw new BenchmarkInputError(
      `${options.questions}: entry ${missing.id} asks about db_id "${missing.databaseId}", which ${options.tables} does not describe.`,
    );
  return { questions, schemas };
}
