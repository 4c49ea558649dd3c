import { expect, it } from 'vitest';

it('exports the public API and nothing else', async () => {
  expect(Object.keys(await import('./index.js')).sort()).toMatchInlineSnapshot(`
    [
      "AdamW",
      "DataPrefixError",
      "IndexMapCacheError",
      "IndexMapError",
      "LaunchError",
      "LlamaModel",
      "RandomState",
      "RunConfigError",
      "RunDirectoryError",
      "SftRecordError",
      "buildIndexMaps",
      "createSftExample",
      "followRun",
      "formatCommandLine",
      "launchFlagScaleRun",
      "learningRateAt",
      "loadIndexMaps",
      "loadRunConfig",
      "openPretrainingDataset",
      "packSftExamples",
      "padSftExample",
      "parseMegatronLogLine",
      "parseRunConfig",
      "planFlagScaleRun",
      "plotRun",
      "readRunEvents",
      "readRunStatus",
      "readSftExamples",
      "renderLossChart",
      "renderRunReport",
      "splitDocuments",
      "stopRun",
      "trainLlama",
      "trainLocally",
    ]
  `);
});
