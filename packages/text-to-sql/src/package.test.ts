import { expect, it } from 'vitest';

it('exports exactly the public API', async () => {
  expect(Object.keys(await import('./index.js')).sort()).toMatchInlineSnapshot(`
    [
      "BenchmarkInputError",
      "DatabaseOpenError",
      "EndpointError",
      "QueryExecutionError",
      "RunSettingsChangedError",
      "SqlDatabase",
      "TextToSqlOptionsError",
      "WriteRefusedError",
      "askDatabase",
      "buildSqlPrompt",
      "buildSqlRepairPrompt",
      "createOpenAiModel",
      "customTemplate",
      "evaluateBirdRun",
      "evaluatePredictions",
      "formatResultTable",
      "generateSqlCandidates",
      "openModel",
      "predictBenchmark",
      "predictionFiles",
      "readBenchmark",
      "readBirdSchemas",
      "reportFiles",
      "resolvePromptFormat",
      "sqlGenerationPreset",
      "sqlGenerationPresets",
      "sqlGenerationRequest",
      "sqlRepairTemplate",
      "streamAskDatabase",
      "streamSqlCandidates",
      "voteSqlCandidates",
    ]
  `);
});
