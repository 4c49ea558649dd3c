import { readFile, stat } from 'node:fs/promises';
import { BadLineError, type BadLinePolicy, readTextLines } from '@aquila/files';
import { EvaluationInputError } from './errors.js';
import { extractSql } from './extract-sql.js';
import { parseTablesJson } from './internal/parse-tables-json.js';
import type { TablesJsonEntry } from './schema.js';

/** The evaluation's input options, as the messages name them. */
export type InputOption = 'gold' | 'pred' | 'tables' | 'db' | 'questions';

/** One gold line: `SQL<TAB>db_id`. */
interface GoldItem {
  sql: string;
  database: string;
  /** 1-based line in the gold file. */
  line: number;
}

/** The error for an input path that cannot be read, naming the option and the path. */
export function inputPathError(option: InputOption, path: string, error: unknown): EvaluationInputError {
  const code = (error as NodeJS.ErrnoException).code;
  const problem =
    code === 'ENOENT'
      ? 'does not exist'
      : code === 'EISDIR'
        ? 'is a folder, not a file'
        : code === 'ENOTDIR'
          ? 'is not a folder'
          : code === 'EACCES' || code === 'EPERM'
            ? 'cannot be read (permission denied)'
            : `cannot be read (${code ?? (error as Error).message})`;
  return new EvaluationInputError(`--${option} ${path} ${problem}; check the path`, { cause: error });
}

// A file, not a folder, before it is opened: a folder would fail only on the first read, as EISDIR.
async function checkFile(option: InputOption, path: string): Promise<void> {
  let isFolder: boolean;
  try {
    isFolder = (await stat(path)).isDirectory();
  } catch (error) {
    throw inputPathError(option, path, error);
  }
  if (isFolder) throw new EvaluationInputError(`--${option} ${path} is a folder, not a file; give the file's path`);
}

function isAbort(error: unknown): boolean {
  return (error as Error | undefined)?.name === 'AbortError';
}

/**
 * A text file's lines by number (`lines[n - 1]` is line n), strict UTF-8: a line that is not UTF-8 goes to the
 * policy, and is undefined here when skipped.
 */
async function readLines(
  option: InputOption,
  path: string,
  badLines: BadLinePolicy,
  signal?: AbortSignal,
): Promise<(string | undefined)[]> {
  await checkFile(option, path);
  const lines: (string | undefined)[] = [];
  const skippedBefore = badLines.count;
  try {
    for await (const { text, line } of readTextLines({
      input: path,
      badLines,
      ...(signal === undefined ? {} : { signal }),
    })) {
      while (lines.length < line - 1) lines.push(undefined);
      lines.push(text);
    }
  } catch (error) {
    if (BadLineError.isInstance(error) || isAbort(error)) throw error;
    throw inputPathError(option, path, error);
  }
  // Skipped lines at the end leave no gap before a line that was read: count them in.
  const skippedAtEnd = badLines.count - skippedBefore - lines.filter((line) => line === undefined).length;
  for (let index = 0; index < skippedAtEnd; index += 1) lines.push(undefined);
  return lines;
}

/** How many of `lines` are items: trailing blank lines are padding (a skipped bad line is an item). */
export function itemCount(lines: readonly (string | undefined)[]): number {
  let count = lines.length;
  while (count > 0 && lines[count - 1]?.trim() === '') count -= 1;
  return count;
}

interface ParseGoldOptions {
  /** The gold file's lines, from {@link readLines}. */
  lines: readonly (string | undefined)[];
  path: string;
  /** tables.json's entries and path: a db_id it does not know is a bad line. */
  tables: ReadonlyMap<string, TablesJsonEntry>;
  tablesPath: string;
  badLines: BadLinePolicy;
}

/**
 * Parses gold lines, one `SQL<TAB>db_id` each, no blank line in between (sessions are not supported): an item per
 * line, undefined where the line is bad and the policy skips it.
 */
function parseGold(options: ParseGoldOptions): (GoldItem | undefined)[] {
  const { path, badLines } = options;
  return options.lines.slice(0, itemCount(options.lines)).map((raw, index) => {
    if (raw === undefined) return undefined;
    const line = index + 1;
    const [sql, database] = raw.trim().split('\t');
    let problem: string | undefined;
    if (raw.trim() === '')
      problem =
        'blank line in the gold file; every line must be SQL<TAB>db_id (SParC/CoSQL sessions are not supported)';
    else if (sql === undefined || database === undefined || database.trim() === '')
      problem = 'expected SQL<TAB>db_id, found no tab-separated db_id';
    else if (!options.tables.has(database.trim()))
      problem = `db_id "${database.trim()}" is not in ${options.tablesPath}`;
    if (problem === undefined) return { sql: sql as string, database: (database as string).trim(), line };
    badLines.report(new BadLineError({ source: path, line, problem }));
    return undefined;
  });
}

/** A prediction line: field 0 of a tab-separated line, as upstream; a blank line is an empty prediction. */
export function parsePrediction(raw: string): string {
  return raw.trim().split('\t')[0] ?? '';
}

/**
 * A raw model output line: a JSON string, a JSON object with a string `result`/`text`/`output`/`prediction`, or
 * plain text. A line that starts as JSON (`{` or `"`) must be one of the first two: anything else is a problem,
 * returned as `{ problem }`.
 */
function parseRawOutput(raw: string): string | { problem: string } {
  const trimmed = raw.trim();
  if (!trimmed.startsWith('{') && !trimmed.startsWith('"')) return raw;
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch (error) {
    return { problem: `starts as JSON but is not valid JSON (${(error as Error).message})` };
  }
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    for (const key of ['result', 'text', 'output', 'prediction']) {
      const field = (value as Record<string, unknown>)[key];
      if (typeof field === 'string') return field;
    }
  }
  return {
    problem: 'a JSON line must be a string or an object with a string "result", "text", "output" or "prediction"',
  };
}

/** Reads a whole text file that must be UTF-8; a bad byte is reported with its line. */
export async function readUtf8(option: InputOption, path: string, signal?: AbortSignal): Promise<string> {
  await checkFile(option, path);
  let bytes: Buffer;
  try {
    bytes = await readFile(path, signal === undefined ? {} : { signal });
  } catch (error) {
    if (isAbort(error)) throw error;
    throw inputPathError(option, path, error);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (error) {
    let low = 0;
    let high = bytes.length;
    // The longest prefix that decodes tells where the first bad byte is.
    while (low < high) {
      const middle = Math.ceil((low + high) / 2);
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, middle));
        low = middle;
      } catch {
        high = middle - 1;
      }
    }
    const line = bytes.subarray(0, low).toString('utf8').split('\n').length;
    throw new EvaluationInputError(
      `${path}:${line}: the --${option} file is not valid UTF-8 (bad byte at offset ${low}); re-encode it as UTF-8`,
      { cause: error },
    );
  }
}

/** Reads tables.json: an array of Spider schema entries. */
export async function readTablesJson(path: string, signal?: AbortSignal): Promise<Map<string, TablesJsonEntry>> {
  return parseTablesJson(await readUtf8('tables', path, signal), path);
}

/** A question to evaluate: a gold item and the prediction on its line. */
export interface Question {
  // Place among the questions evaluated, and among the gold file's items (they differ after skipped lines).
  index: number;
  item: number;
  gold: string;
  database: string;
  line: number;
  pred: string;
  extracted: boolean | undefined;
}

export interface ReadQuestionsOptions {
  /** The gold file: `SQL<TAB>db_id` a line. */
  gold: string;
  /** The prediction file: one SQL a line, or one raw model output with `raw`. */
  pred: string;
  /** tables.json's entries and path. */
  tables: ReadonlyMap<string, TablesJsonEntry>;
  tablesPath: string;
  raw: boolean;
  badLines: BadLinePolicy;
  signal?: AbortSignal;
}

// The questions to evaluate: gold lines aligned with prediction lines, bad lines reported to the policy (skipped
// ones drop their question). Everything is read and checked before any work starts.
export async function readQuestions(options: ReadQuestionsOptions): Promise<Question[]> {
  const { badLines, signal } = options;
  const gold = parseGold({
    lines: await readLines('gold', options.gold, badLines, signal),
    path: options.gold,
    tables: options.tables,
    tablesPath: options.tablesPath,
    badLines,
  });
  const predLines = await readLines('pred', options.pred, badLines, signal);
  // Trailing blank lines are padding, except where the gold has items for them: aligned empty predictions at the end.
  const predictions = Math.max(itemCount(predLines), Math.min(gold.length, predLines.length));
  if (predictions !== gold.length) {
    throw new EvaluationInputError(
      `${options.pred} has ${predictions} predictions but ${options.gold} has ${gold.length} gold queries; they must align line by line (a blank line is an empty prediction)`,
    );
  }
  const questions: Question[] = [];
  gold.forEach((item, index) => {
    const line = predLines[index] ?? (index < predLines.length ? undefined : '');
    if (item === undefined || line === undefined) return;
    let pred: string;
    let extracted: boolean | undefined;
    if (options.raw) {
      const output = parseRawOutput(line);
      if (typeof output !== 'string') {
        badLines.report(new BadLineError({ source: options.pred, line: index + 1, problem: output.problem }));
        return;
      }
      const sql = extractSql({ text: output });
      pred = sql?.sql ?? '';
      extracted = sql !== undefined;
    } else pred = parsePrediction(line);
    questions.push({
      index: questions.length,
      item: index,
      gold: item.sql,
      database: item.database,
      line: item.line,
      pred,
      extracted,
    });
  });
  return questions;
}
