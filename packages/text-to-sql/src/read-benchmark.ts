import { readFile } from 'node:fs/promises';
import type { TablesJsonEntry } from '@aquila/sql-metrics';
import type { PromptSchema } from './build-sql-prompt.js';
import { BenchmarkInputError } from './errors.js';

/** One benchmark question (a dev.json entry, or a BIRD questions entry). */
export interface BenchmarkQuestion {
  /** 0-based position in the questions file (BIRD's question_id is not unique: items are keyed by position). */
  id: number;
  question: string;
  databaseId: string;
  /** The gold SQL (`query`, or BIRD's `SQL`). */
  query: string;
  /** BIRD's `question_id` (not unique in mini-dev); absent for Spider. */
  questionId?: number | string;
  /** BIRD's `evidence` (its "external knowledge"); absent for Spider. */
  evidence?: string;
  /** BIRD's `difficulty` (simple, moderate, challenging); absent for Spider. */
  difficulty?: string;
}

export interface ReadBenchmarkOptions {
  /**
   * The questions: Spider/CSpider dev.json (an array of `{question, db_id, query}`), or BIRD's
   * `mini_dev_sqlite.json` / `dev.json` (`{question_id, db_id, question, evidence, SQL, difficulty}`) as a JSON
   * array or as JSON Lines.
   */
  questions: string;
  /** tables.json (BIRD: dev_tables.json). */
  tables: string;
  /** Which benchmark the files are, for the messages; default spider. */
  benchmark?: 'spider' | 'cspider' | 'bird';
  signal?: AbortSignal;
}

/** `file:line:column` of a character offset, for JSON errors. */
function place(path: string, text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return `${path}:${line}:${offset - before.lastIndexOf('\n')}`;
}

/**
 * Reads a JSON file a flag names; a missing file, a folder or broken JSON is a BenchmarkInputError that says which.
 * With `jsonLines`, a file whose first value is an object is read as JSON Lines (one object a line) into an array.
 */
async function readJson(
  path: string,
  flag: string,
  what: string,
  signal: AbortSignal | undefined,
  jsonLines = false,
): Promise<unknown> {
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
  if (jsonLines && text.trimStart().startsWith('{')) return parseJsonLines(path, flag, what, text);
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

/** JSON Lines (mini_dev's scripts read BIRD's questions so): the objects of the non-blank lines, in order. */
function parseJsonLines(path: string, flag: string, what: string, text: string): unknown[] {
  const values: unknown[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    try {
      values.push(JSON.parse(line) as unknown);
    } catch (error) {
      throw new BenchmarkInputError(
        `${path}:${index + 1}: ${flag} line is not valid JSON (${(error as Error).message}); it should be ${what}.`,
        { cause: error },
      );
    }
  });
  return values;
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
  const bird = options.benchmark === 'bird';
  const data = await readJson(
    options.questions,
    '--questions',
    bird
      ? "BIRD's questions (mini_dev_sqlite.json: a JSON array or JSON Lines of {question_id, db_id, question, evidence, SQL, difficulty})"
      : "Spider's dev.json (a JSON array of {question, db_id, query})",
    options.signal,
    bird,
  );
  if (!Array.isArray(data))
    throw new BenchmarkInputError(
      bird
        ? `${options.questions}: expected a JSON array (or JSON Lines) of {question_id, db_id, question, evidence, SQL, difficulty} (BIRD's mini_dev_sqlite.json).`
        : `${options.questions}: expected a JSON array of {question, db_id, query} (Spider's dev.json).`,
    );
  const questions = data.map((entry: unknown, id): BenchmarkQuestion => {
    const record = entry as Record<string, unknown> | null;
    const query = record?.query ?? record?.SQL;
    if (typeof record?.question !== 'string' || typeof record.db_id !== 'string' || typeof query !== 'string') {
      throw new BenchmarkInputError(
        bird
          ? `${options.questions}: entry ${id} needs "question", "db_id" and "SQL" strings.`
          : `${options.questions}: entry ${id} needs "question", "db_id" and "query" strings.`,
      );
    }
    const { evidence, difficulty, question_id: questionId } = record;
    if (evidence !== undefined && evidence !== null && typeof evidence !== 'string')
      throw new BenchmarkInputError(`${options.questions}: entry ${id} has an "evidence" that is not a string.`);
    return {
      id,
      question: record.question,
      databaseId: record.db_id,
      query,
      ...(typeof questionId === 'number' || typeof questionId === 'string' ? { questionId } : {}),
      ...(typeof evidence === 'string' ? { evidence } : {}),
      ...(typeof difficulty === 'string' ? { difficulty } : {}),
    };
  });
  const entries = await readJson(
    options.tables,
    '--tables',
    bird ? "BIRD's dev_tables.json (a JSON array of schemas)" : "Spider's tables.json (a JSON array of schemas)",
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
