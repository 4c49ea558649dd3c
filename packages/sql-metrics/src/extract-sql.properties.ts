// Properties of extractSql, run in a worker with a wall-clock limit (see extract-sql.test.ts).
import fc from 'fast-check';
import { extractSql } from './extract-sql.js';
import { pythonSpace } from './internal/python-text.js';
import { sqlText } from './test-support/sql-text-arbitrary.js';

// str.strip() as a regex: right on short text, quadratic on a long inner run of spaces (what pythonStrip replaced).
const strip = (text: string): string => text.replace(new RegExp(`^[${pythonSpace}]+|[${pythonSpace}]+$`, 'gu'), '');

const output = fc
  .array(
    fc.oneof(sqlText(8), fc.constantFrom('```sql\n', '```', '```sql', '\n', 'Here is the query:', ' WITH ', 'select ')),
    { maxLength: 8 },
  )
  .map((parts) => parts.join(''));

export function extractsByFlagaisRule(): void {
  fc.assert(
    fc.property(output, fc.boolean(), (text, plainSql) => {
      const result = extractSql({ text, plainSql });
      const open = text.indexOf('```sql\n');
      const close = open < 0 ? -1 : text.indexOf('```', open + 7);
      let expected: ReturnType<typeof extractSql>;
      if (close >= 0)
        expected =
          close > open + 7
            ? { sql: strip(text.slice(open + 7, close).replaceAll('\n', ' ')), source: 'fenced' }
            : undefined;
      else if (plainSql) {
        const plain = strip(text.replaceAll('\n', ' '));
        expected = /^(?:select|with)\b/i.test(plain) ? { sql: plain, source: 'plain' } : undefined;
      }
      if (JSON.stringify(result) !== JSON.stringify(expected))
        throw new Error(`${JSON.stringify(text)} gave ${JSON.stringify(result)}, not ${JSON.stringify(expected)}`);
    }),
    { numRuns: 10_000 },
  );
}

// A regex strip tried every start inside a long run of spaces: minutes on a model output like this one.
export function longRunsOfSpacesInLinearTime(): void {
  const spaces = ' \t\n'.repeat(2_000_000);
  const plain = extractSql({ text: `SELECT${spaces}name FROM singer${spaces}` });
  const fenced = extractSql({ text: `\`\`\`sql\n${spaces}SELECT${spaces}1${spaces}\`\`\`` });
  // Newlines become spaces; only the ends are stripped.
  const inside = ' \t '.repeat(2_000_000);
  if (plain?.sql !== `SELECT${inside}name FROM singer` || fenced?.sql !== `SELECT${inside}1`)
    throw new Error('wrong SQL');
}
