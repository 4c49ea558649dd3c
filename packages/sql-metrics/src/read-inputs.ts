import { readFile } from 'node:fs/promises';
import { EvaluationInputError, SchemaError } from './errors.js';
import type { TablesJsonEntry } from './schema.js';

/** One gold line: `SQL<TAB>db_id`. */
export interface GoldItem {
  sql: string;
  database: string;
  /** 1-based line in the gold file. */
  line: number;
}

/** Reads a text file that must be UTF-8; a bad byte is reported with its line. */
export async function readUtf8(path: string, what: string, signal?: AbortSignal): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path, signal === undefined ? {} : { signal });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new EvaluationInputError(`cannot read the ${what} file ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); check the path`, { cause: error });
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
    throw new EvaluationInputError(`${path}:${line}: the ${what} file is not valid UTF-8 (bad byte at offset ${low}); re-encode it as UTF-8`, { cause: error });
  }
}

// Lines without the final newline(s): trailing blank lines are padding, not items.
function lines(text: string): string[] {
  const all = text.split(/\r?\n/);
  while (all.length > 0 && all.at(-1)?.trim() === '') all.pop();
  return all;
}

/** Parses a gold file: one `SQL<TAB>db_id` a line, no blank line in between (sessions are not supported). */
export function parseGold(text: string, path: string): GoldItem[] {
  return lines(text).map((raw, index) => {
    const line = index + 1;
    const fields = raw.trim().split('\t');
    if (raw.trim() === '') throw new EvaluationInputError(`${path}:${line}: blank line in the gold file; every line must be SQL<TAB>db_id (SParC/CoSQL sessions are not supported)`);
    const [sql, database] = fields;
    if (sql === undefined || database === undefined || database.trim() === '') throw new EvaluationInputError(`${path}:${line}: expected SQL<TAB>db_id, found no tab-separated db_id`);
    return { sql, database: database.trim(), line };
  });
}

/** Parses a prediction file: one SQL a line (field 0 of a tab-separated line, as upstream); a blank line is an empty prediction. */
export function parsePredictions(text: string): string[] {
  return lines(text).map((raw) => raw.trim().split('\t')[0] ?? '');
}

/** Raw model outputs, one a line: a JSON string, a JSON object with `result`/`text`/`output`/`prediction`, or plain text. */
export function parseRawOutputs(text: string): string[] {
  return lines(text).map((raw) => {
    const trimmed = raw.trim();
    if (trimmed.startsWith('{') || trimmed.startsWith('"')) {
      try {
        const value = JSON.parse(trimmed) as unknown;
        if (typeof value === 'string') return value;
        if (typeof value === 'object' && value !== null) {
          for (const key of ['result', 'text', 'output', 'prediction']) {
            const field = (value as Record<string, unknown>)[key];
            if (typeof field === 'string') return field;
          }
        }
      } catch {
        // Not JSON after all: the line is the output.
      }
    }
    return raw;
  });
}

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

/** Reads tables.json: an array of Spider schema entries. */
export async function readTablesJson(path: string, signal?: AbortSignal): Promise<Map<string, TablesJsonEntry>> {
  const text = await readUtf8(path, 'tables.json', signal);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    const position = jsonErrorPosition(text, (error as Error).message);
    const line = position === undefined ? '' : `:${text.slice(0, position).split('\n').length}`;
    throw new SchemaError(`${path}${line}: tables.json is not valid JSON (${(error as Error).message})`, { cause: error });
  }
  if (!Array.isArray(data)) throw new SchemaError(`${path}: tables.json must be a JSON array of schema entries`);
  const entries = new Map<string, TablesJsonEntry>();
  data.forEach((entry: unknown, index) => {
    const record = entry as Partial<TablesJsonEntry> | null;
    const valid =
      typeof record === 'object' &&
      record !== null &&
      typeof record.db_id === 'string' &&
      Array.isArray(record.table_names_original) &&
      Array.isArray(record.column_names_original) &&
      Array.isArray(record.foreign_keys) &&
      record.column_names_original.every((column) => Array.isArray(column) && typeof column[0] === 'number' && typeof column[1] === 'string') &&
      record.foreign_keys.every((pair) => Array.isArray(pair) && pair.length === 2 && pair.every((item) => Number.isInteger(item)));
    if (!valid) throw new SchemaError(`${path}: entry ${index} is not a Spider schema (needs db_id, table_names_original, column_names_original [[table, name]…], foreign_keys [[a, b]…])`);
    entries.set(record.db_id as string, record as TablesJsonEntry);
  });
  return entries;
}
