import { pythonStrip } from './internal/python-text.js';

export interface ExtractSqlOptions {
  /** The raw model output. */
  text: string;
  /**
   * Also accept output that is plain SQL (no fence) when it starts with SELECT or WITH. Default true; false is
   * FlagAI's rule exactly.
   */
  plainSql?: boolean;
}

/** Where the extracted SQL came from. */
export interface ExtractedSql {
  sql: string;
  source: 'fenced' | 'plain';
}

const fencedSql = /```sql\n([\s\S]*?)```/;
const plainStart = /^(?:select|with)\b/i;

// Newlines to spaces (split and join: replaceAll takes seconds on millions of them).
const oneLine = (text: string): string => text.split('\n').join(' ');

/**
 * FlagAI's extraction rule (`s2_model_infer_gen_sql.py`): the first fenced sql block, newlines to spaces,
 * stripped; an empty block counts as none. Returns undefined where there is no SQL.
 */
export function extractSql(options: ExtractSqlOptions): ExtractedSql | undefined {
  const fenced = fencedSql.exec(options.text);
  if (fenced !== null) {
    const body = fenced[1] as string;
    // FlagAI tests the block before stripping: a block holding only whitespace still counts, as "".
    if (body.length > 0) return { sql: pythonStrip(oneLine(body)), source: 'fenced' };
    return undefined;
  }
  if (options.plainSql === false) return undefined;
  const plain = pythonStrip(oneLine(options.text));
  return plainStart.test(plain) ? { sql: plain, source: 'plain' } : undefined;
}
