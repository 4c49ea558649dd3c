// Properties of removeDistinct, run in a worker with a wall-clock limit (see remove-distinct.test.ts).
import fc from 'fast-check';
import { sqlText } from '../test-support/sql-text-arbitrary.js';
import { removeDistinct, removeDistinctTokens } from './remove-distinct.js';
import { sqlTokens } from './sql-lexer.js';

export function leavesTextWithoutDistinctOrSemicolonAsItIs(): void {
  const text = fc
    .string({ unit: 'binary', maxLength: 80 })
    .filter((value) => !value.includes(';') && !/distinct/i.test(value));
  fc.assert(
    fc.property(text, (value) => {
      if (removeDistinctTokens(value) !== value || removeDistinct(value) !== value)
        throw new Error(`changed ${JSON.stringify(value)}`);
    }),
    { numRuns: 2000 },
  );
}

export function takesTheTokenPathAndLeavesNoDistinct(): void {
  fc.assert(
    fc.property(sqlText(), (sql) => {
      const result = removeDistinct(sql);
      if (result !== removeDistinctTokens(sql))
        throw new Error(`the fast path differs from the token path on ${JSON.stringify(sql)}`);
      if (result.length > sql.length) throw new Error(`longer than its input: ${JSON.stringify(sql)}`);
      for (const token of sqlTokens({ sql: result, hashInNames: true }))
        if (token.toLowerCase() === 'distinct')
          throw new Error(`a DISTINCT is left in ${JSON.stringify(result)} from ${JSON.stringify(sql)}`);
    }),
    { numRuns: 10_000 },
  );
}
