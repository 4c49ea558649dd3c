// BIRD's prompt, as bird-bench/mini_dev builds it for SQLite: llm/src/table_schema.py @ f9d2750
// (`generate_schema_prompt_sqlite`, `nice_look_table`) for the schema, llm/src/prompt.py @ 8c7df91
// (`generate_combined_prompts_one` and its parts) for the rest. DAMO-ConvAI's original bird/llm/src/gpt_request.py
// builds the schema the same way.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ExecutionPool, pythonValueText, type QueryRows } from '@aquila/sql-metrics';
import { BenchmarkInputError } from './errors.js';

export interface ReadBirdSchemasOptions {
  /** BIRD's database folder: `<db_id>/<db_id>.sqlite` (dev_databases/). */
  databases: string;
  /** The db_ids to read. */
  ids: Iterable<string>;
  /**
   * Example rows per table (`SELECT * FROM table LIMIT n` under each CREATE statement), as table_schema.py's
   * `num_rows`; mini_dev's own runs pass none, which is the default.
   */
  sampleRows?: number;
  signal?: AbortSignal;
}

// Python's len() and rjust() count code points.
const length = (text: string): number => [...text].length;
const rightJustify = (text: string, width: number): string => ' '.repeat(Math.max(0, width - length(text))) + text;

/** `nice_look_table`: right-justified columns, a space after each, the header line then the rows. */
function niceLookTable(result: QueryRows): string {
  const cells = result.rows.map((row) => row.map(pythonValueText));
  const widths = result.columns.map((column, index) =>
    Math.max(length(column), ...cells.map((row) => length(row[index] ?? ''))),
  );
  const line = (values: readonly string[]): string =>
    widths.map((width, index) => `${rightJustify(values[index] ?? '', width)} `).join('');
  return `${line(result.columns)}\n${cells.map(line).join('\n')}`;
}

async function query(pool: ExecutionPool, file: string, sql: string, signal: AbortSignal | undefined) {
  signal?.throwIfAborted();
  const verdict = await pool.run({
    databases: [file],
    gold: '',
    preds: [sql],
    orderMatters: false,
    returnRows: true,
    maxRows: 1_000_000,
  });
  if (verdict.result === undefined)
    throw new BenchmarkInputError(
      `${file}: ${sql} failed (${verdict.reason ?? 'no result'}); is it one of BIRD's SQLite databases?`,
    );
  return verdict.result;
}

/** `generate_schema_prompt_sqlite` for one database file. */
async function schemaPrompt(
  pool: ExecutionPool,
  file: string,
  sampleRows: number | undefined,
  signal: AbortSignal | undefined,
): Promise<string> {
  // Every table in sqlite_master's order, sqlite_sequence too: upstream's skip compares a row tuple with a
  // string and never fires.
  const tables = await query(pool, file, "SELECT name, sql FROM sqlite_master WHERE type='table'", signal);
  const parts: string[] = [];
  for (const [name, sql] of tables.rows) {
    const create = pythonValueText(sql ?? null);
    if (sampleRows === undefined) {
      parts.push(create);
      continue;
    }
    const table = String(name);
    // Upstream quotes these three keywords only; other names go in as they are.
    const shown = ['order', 'by', 'group'].includes(table) ? `\`${table}\`` : table;
    const rows = niceLookTable(await query(pool, file, `SELECT * FROM ${shown} LIMIT ${sampleRows}`, signal));
    parts.push(
      `${create} \n /* \n ${sampleRows} example rows: \n SELECT * FROM ${shown} LIMIT ${sampleRows}; \n ${rows} \n */`,
    );
  }
  return parts.join('\n\n');
}

/**
 * The schema part of BIRD's prompt for each database: every table's CREATE statement as the database stores it
 * (with example rows when asked for), a blank line between. Throws BenchmarkInputError for a missing file.
 */
export async function readBirdSchemas(options: ReadBirdSchemasOptions): Promise<Map<string, string>> {
  const { signal, sampleRows } = options;
  const files = new Map<string, string>();
  for (const id of options.ids) {
    const file = join(options.databases, id, `${id}.sqlite`);
    const found = await stat(file).catch(() => undefined);
    if (found?.isFile() !== true)
      throw new BenchmarkInputError(
        `--db ${options.databases} has no ${id}/${id}.sqlite; give BIRD's database folder (dev_databases/, one <db_id>/<db_id>.sqlite each).`,
      );
    files.set(id, file);
  }
  const pool = new ExecutionPool({ workers: 1 });
  try {
    const schemas = new Map<string, string>();
    for (const [id, file] of files) schemas.set(id, await schemaPrompt(pool, file, sampleRows, signal));
    return schemas;
  } finally {
    await pool.close();
  }
}

/** `generate_instruction_prompt("SQLite")`: a triple-quoted string, its indentation included. */
const instruction = [
  '',
  '        ',
  'In your response, you do not need to mention your intermediate steps. ',
  '        Do not include any comments in your response.',
  '        Do not need to start with the symbol ```',
  '        You only need to return the result SQLite SQL code',
  '        start from SELECT',
  '        ',
].join('\n');

/**
 * `generate_combined_prompts_one` for SQLite: the schema, the question with its evidence ("External Knowledge";
 * left out when empty, as upstream's `if knowledge`), the step-by-step line and the instructions.
 */
export function birdPrompt(options: { question: string; evidence: string | undefined; schema: string }): string {
  const knowledge = options.evidence === undefined || options.evidence === '' ? undefined : options.evidence;
  const comment =
    `-- Using valid SQLite${knowledge === undefined ? '' : ' and understanding External Knowledge'}, answer the following questions for the tables provided above.\n` +
    `-- ${options.question}\n${knowledge === undefined ? '' : `-- External Knowledge: ${knowledge}`}`;
  const chainOfThought = '\nGenerate the SQLite for the above question after thinking step by step: ';
  return [options.schema, comment, chainOfThought, instruction].join('\n\n');
}
