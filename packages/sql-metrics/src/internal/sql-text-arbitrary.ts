// For property tests: SQL-shaped text, with what breaks scanners (quotes, empty and unbalanced ones, backticks,
// brackets, comments, unicode, lone surrogates) among keywords and names.
import fc from 'fast-check';

const sqlPiece = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('SELECT', 'select', 'DISTINCT', 'distinct', 'FROM', 'singer', 'name', 'Name', 'country', 'WHERE', 'AND', 'OR', 'NOT', 'IN', 'LIKE', 'ORDER BY', 'GROUP BY', 'LIMIT', 'UNION', 'AS', 'T1', 'T1.name', 'count', 'value', 'with', 'json_each', '1', '-1', '2.5', '=', '!=', '>', '<', '!', '>=', '*', '.', ',', '(', ')', ';') },
  { weight: 4, arbitrary: fc.constantFrom(' ', ' ', ' ', '\n', '\t', '\r\n', '\u00a0', '\ufeff', '\u2028') },
  { weight: 4, arbitrary: fc.constantFrom("'", '"', '""', "''", '"x y"', "'it''s'", '"a""b"', '`', '``', '`n`', '[', ']', '[]', '[a b]', '--', '-- c\n', '/*', '*/', '/**/', '/* c */', '#', '$', '?', '```sql\n', '```') },
  { weight: 2, arbitrary: fc.constantFrom('é', 'É', '名', '𝒜', '\ud800', '\udc00', 'ﬁ', 'İ', 'ß', '٣') },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 4 }) },
);

/** SQL-shaped text of up to `maxPieces` pieces. */
export function sqlText(maxPieces = 40): fc.Arbitrary<string> {
  return fc.array(sqlPiece, { maxLength: maxPieces }).map((pieces) => pieces.join(''));
}
