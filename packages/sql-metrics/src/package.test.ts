import { expect, it } from 'vitest';

it('exports exactly the public API', async () => {
  expect(Object.keys(await import('./index.js')).sort()).toMatchInlineSnapshot(`
    [
      "EvaluationInputError",
      "ExecutionEngineError",
      "ExecutionPool",
      "GoldQueryError",
      "SchemaError",
      "SqlParseError",
      "createSchema",
      "databaseFiles",
      "emptySql",
      "evaluate",
      "evaluateAll",
      "exactMatch",
      "executionMatch",
      "extractSql",
      "foreignKeyMap",
      "formatReport",
      "formatReportExtras",
      "hardness",
      "htmlReport",
      "levels",
      "officialItemLine",
      "officialSummaryLine",
      "parseSql",
      "schemaFromSqlite",
      "schemaFromTablesJson",
      "unquoteStrings",
    ]
  `);
});
