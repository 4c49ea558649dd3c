import { EvaluationInputError } from '../errors.js';

/** One gold line of BIRD's `*_gold.sql`. */
export interface BirdGold {
  sql: string;
  dbId: string;
}

// Python's text mode reads \r\n and \r as line ends too.
const lineEnd = /\r\n|\r|\n/;

/**
 * The gold file's lines, `SQL<TAB>db_id` each, read as both official scripts do (`line.strip().split("\t")`, which
 * must give exactly two fields: anything else stops them, and throws EvaluationInputError here, naming the line).
 */
export function parseBirdGold(text: string, path = 'the gold file'): BirdGold[] {
  const lines = text.split(lineEnd);
  // A final line end ends the last line; it does not start an empty one.
  if (lines.at(-1) === '') lines.pop();
  return lines.map((line, index) => {
    const fields = line.trim().split('\t');
    if (fields.length !== 2 || fields[1] === '')
      throw new EvaluationInputError(
        `${path}:${index + 1}: expected SQL<TAB>db_id, found ${fields.length === 1 ? 'no tab' : `${fields.length - 1} tabs`}${fields.length === 2 ? ' and no db_id' : ''}; the official scripts stop here too`,
      );
    return { sql: fields[0] as string, dbId: fields[1] as string };
  });
}
