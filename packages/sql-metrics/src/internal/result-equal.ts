import { pythonFloatString } from './python-text.js';

/** A SQLite value as Python's sqlite3 returns it: int (bigint here), float (number), str, bytes or None. */
export type SqliteValue = bigint | number | string | Uint8Array | null;
export type Row = readonly SqliteValue[];

// Python `==`/hash over result values: ints and floats compare by value (37 == 37.0), '1' != 1, bytes != str.
export function valueKey(value: SqliteValue): string {
  if (value === null) return 'N';
  if (typeof value === 'bigint') return `i${value}`;
  if (typeof value === 'number') return Number.isInteger(value) ? `i${BigInt(value)}` : `f${value}`;
  if (typeof value === 'string') return `s${value}`;
  return `b${Buffer.from(value).toString('hex')}`;
}

function bytesRepr(value: Uint8Array): string {
  const text = Buffer.from(value).toString('latin1');
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let body = '';
  for (const byte of value) {
    const char = String.fromCharCode(byte);
    if (char === '\\' || char === quote) body += `\\${char}`;
    else if (byte === 9) body += '\\t';
    else if (byte === 10) body += '\\n';
    else if (byte === 13) body += '\\r';
    else if (byte < 32 || byte >= 127) body += `\\x${byte.toString(16).padStart(2, '0')}`;
    else body += char;
  }
  return `b${quote}${body}${quote}`;
}

/** Python's `str(x)` of a value (BIRD's prompts print example rows with it). */
export function pythonValueText(value: SqliteValue): string {
  if (value === null) return 'None';
  if (typeof value === 'number') return pythonFloatString(value);
  if (typeof value === 'bigint' || typeof value === 'string') return `${value}`;
  return bytesRepr(value);
}

// `str(x) + str(type(x))`, the sort key upstream orders a row's values by.
function sortKey(value: SqliteValue): string {
  if (value === null) return "None<class 'NoneType'>";
  if (typeof value === 'bigint') return `${value}<class 'int'>`;
  if (typeof value === 'number') return `${pythonFloatString(value)}<class 'float'>`;
  if (typeof value === 'string') return `${value}<class 'str'>`;
  return `${bytesRepr(value)}<class 'bytes'>`;
}

// Python compares strings by code point; JavaScript's `<` compares UTF-16 units.
const surrogate = /[\uD800-\uDFFF]/;

function compareCodePoints(left: string, right: string): number {
  if (!surrogate.test(left) && !surrogate.test(right)) return left < right ? -1 : left > right ? 1 : 0;
  const a = [...left];
  const b = [...right];
  for (let index = 0; index < Math.min(a.length, b.length); index += 1) {
    const difference = (a[index] as string).codePointAt(0)! - (b[index] as string).codePointAt(0)!;
    if (difference !== 0) return difference;
  }
  return a.length - b.length;
}

/** A row as upstream's quick check sees it: its values sorted by `str(x) + str(type(x))`, keyed by Python `==`. */
export function unorderedRowKey(row: Row): string {
  const keyed = row.map((value) => ({ sort: sortKey(value), key: valueKey(value) }));
  keyed.sort((left, right) => compareCodePoints(left.sort, right.sort));
  return JSON.stringify(keyed.map((item) => item.key));
}

function sameSet(left: readonly string[], right: readonly string[]): boolean {
  const a = new Set(left);
  const b = new Set(right);
  if (a.size !== b.size) return false;
  for (const item of a) if (!b.has(item)) return false;
  return true;
}

function sameBag(left: readonly string[], right: readonly string[]): boolean {
  if (left.length !== right.length) return false;
  const counts = new Map<string, number>();
  for (const item of left) counts.set(item, (counts.get(item) ?? 0) + 1);
  for (const item of right) {
    const count = (counts.get(item) ?? 0) - 1;
    if (count < 0) return false;
    counts.set(item, count);
  }
  return true;
}

/**
 * test-suite-sql-eval's `result_eq`: equal as bags of rows (as lists when order matters), up to a permutation of
 * columns. Upstream prunes column permutations by sampling 20 rows; pruning by every row, as here, removes only
 * permutations that cannot match, so the verdict is the same.
 */
export function resultEqual(gold: readonly Row[], pred: readonly Row[], orderMatters: boolean): boolean {
  if (gold.length === 0 && pred.length === 0) return true;
  if (gold.length !== pred.length) return false;
  const columns = (gold[0] as Row).length;
  if ((pred[0] as Row).length !== columns) return false;
  const goldUnordered = gold.map(unorderedRowKey);
  const predUnordered = pred.map(unorderedRowKey);
  if (
    orderMatters
      ? goldUnordered.some((key, index) => key !== predUnordered[index])
      : !sameSet(goldUnordered, predUnordered)
  )
    return false;

  const goldKeys = gold.map((row) => row.map(valueKey));
  const predKeys = pred.map((row) => row.map(valueKey));
  const goldColumnSets = Array.from(
    { length: columns },
    (_, column) => new Set(goldKeys.map((row) => row[column] as string)),
  );
  // allowed[g] = pred columns whose every value occurs in gold column g.
  const allowed = goldColumnSets.map((set) =>
    Array.from({ length: columns }, (_, column) => column).filter((column) =>
      predKeys.every((row) => set.has(row[column] as string)),
    ),
  );
  const goldRows = goldKeys.map((row) => JSON.stringify(row));
  const permutation: number[] = [];
  const used = new Set<number>();
  const search = (column: number): boolean => {
    if (column === columns) {
      const permuted = predKeys.map((row) => JSON.stringify(permutation.map((index) => row[index])));
      return orderMatters
        ? permuted.every((row, index) => row === goldRows[index])
        : sameSet(goldRows, permuted) && sameBag(goldRows, permuted);
    }
    for (const candidate of allowed[column] as number[]) {
      if (used.has(candidate)) continue;
      used.add(candidate);
      permutation.push(candidate);
      if (search(column + 1)) return true;
      permutation.pop();
      used.delete(candidate);
    }
    return false;
  };
  return search(0);
}
