import { EvaluationInputError } from '../errors.js';
import { PythonJsonSyntaxError, pythonJsonObject } from '../internal/python-json-object.js';
import { pythonStrip } from '../internal/python-text.js';

/** The separator between the SQL and the db_id in BIRD's prediction JSON. */
export const birdSeparator = '\t----- bird -----\t';

/** One prediction as BIRD's loaders read it. */
export interface BirdPrediction {
  /** The SQL that mini_dev's `package_sqls` runs: the part before the separator as it stands, the whole value stripped when it has no single separator, `" "` for a value that is not a string. */
  sql: string;
  /** The db_id the value names after its one separator (DAMO-ConvAI's evaluation.py runs on it); undefined otherwise. */
  dbId: string | undefined;
  /** The JSON value was not a string (null, a number, …): both loaders run `" "`, DAMO's on the financial database. */
  missing: boolean;
}

/**
 * The predictions of a BIRD prediction JSON (`{"0": "SQL\t----- bird -----\tdb_id", …}`), by position in the file's
 * key order; the keys themselves are not read, as in mini_dev's `package_sqls`. Throws EvaluationInputError on text
 * that is not a JSON object, naming `path`.
 */
export function parseBirdPredictions(text: string, path = 'the BIRD prediction file'): BirdPrediction[] {
  let members: ReturnType<typeof pythonJsonObject>;
  try {
    members = pythonJsonObject(text);
  } catch (error) {
    if (!(error instanceof PythonJsonSyntaxError)) throw error;
    throw new EvaluationInputError(
      `${path} is not a JSON object: ${error.message}; write it as {"0": "SQL\\t----- bird -----\\tdb_id", …}`,
      { cause: error },
    );
  }
  return members.map(({ value }) => {
    if (value === undefined) return { sql: ' ', dbId: undefined, missing: true };
    const parts = value.split(birdSeparator);
    if (parts.length === 2) return { sql: parts[0] as string, dbId: parts[1] as string, missing: false };
    return { sql: pythonStrip(value), dbId: undefined, missing: false };
  });
}

// Python's json.dumps with ensure_ascii: everything outside printable ASCII as a lowercase \uXXXX escape.
function pythonJsonString(text: string): string {
  return JSON.stringify(text).replace(
    /[^\x20-\x7e]/g,
    (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * The official BIRD prediction JSON for `entries` in order, keys "0", "1", …, as mini_dev's scripts write it
 * (`json.dump(…, indent=4)`, ASCII only). `parseBirdPredictions` reads it back unchanged; an entry that could not
 * be read back (its SQL or db_id holds the separator) throws EvaluationInputError.
 */
export function formatBirdPredictions(entries: readonly { sql: string; dbId: string }[]): string {
  if (entries.length === 0) return '{}';
  const lines = entries.map(({ sql, dbId }, index) => {
    const value = `${sql}${birdSeparator}${dbId}`;
    const parts = value.split(birdSeparator);
    if (parts.length !== 2 || parts[0] !== sql || parts[1] !== dbId)
      throw new EvaluationInputError(
        `BIRD prediction ${index} cannot be written: its SQL or db_id holds the separator "\\t----- bird -----\\t" (or ends in part of it), which the official loader splits on; remove it from the SQL`,
      );
    return `    "${index}": ${pythonJsonString(value)}`;
  });
  return `{\n${lines.join(',\n')}\n}`;
}
