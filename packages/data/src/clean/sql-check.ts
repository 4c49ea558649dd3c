// What the SQLite and PostgreSQL checks share: how a query is put inside a larger statement, and when it cannot be.

/** The first line of an error's message: what the database said, without the lines that follow it. */
export function errorLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
}

/**
 * Whether `sql` must be checked on its own rather than inside a batched `PREPARE`: a `;` outside quotes
 * (several statements), a comment or a dollar quote could end or hide the PREPARE's statement.
 */
export function needsOwnCheck(sql: string): boolean {
  let quote = '';
  for (let index = 0; index < sql.length; index++) {
    const character = sql[index]!;
    if (quote !== '') {
      if (character === quote) quote = '';
    } else if (character === "'" || character === '"') quote = character;
    else if (
      character === ';' ||
      character === '$' ||
      (character === '-' && sql[index + 1] === '-') ||
      (character === '/' && sql[index + 1] === '*')
    )
      return true;
  }
  return quote !== '';
}

/**
 * The query with its schema as common table expressions in front (`WITH "t"("a") AS (SELECT NULL) …`): name
 * resolution as with real tables, but no DDL at all. Only for SELECT and WITH queries (undefined for others).
 */
export function withSchemaCtes(sql: string, ctes: string): string | undefined {
  const trimmed = sql.trimStart();
  if (/^select\b/i.test(trimmed)) return `WITH ${ctes} ${trimmed}`;
  const leading = /^with\s+(recursive\s+)?/i.exec(trimmed);
  return leading ? `WITH ${leading[1] ?? ''}${ctes}, ${trimmed.slice(leading[0].length)}` : undefined;
}
