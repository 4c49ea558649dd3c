import { expect, it } from 'vitest';

it('exports the public API and nothing else', async () => {
  expect(Object.keys(await import('./index.js')).sort()).toMatchInlineSnapshot(`
    [
      "GenerationOptionsError",
      "LanguageModel",
      "ModelConfigError",
      "ModelRunError",
      "TokenizerVocabularyError",
      "UnsupportedModelError",
      "convertCheckpoint",
      "estimateCheckpointConversion",
      "estimateConversion",
      "estimateGeneration",
      "estimateModelMemory",
      "estimateWeightsFileBytes",
      "interleavedToHalfRotation",
      "layerWeightName",
      "modelWeightName",
      "readModelConfig",
    ]
  `);
});

it('exports the test models from ./testing', async () => {
  expect(Object.keys(await import('./testing.js')).sort()).toMatchInlineSnapshot(`
    [
      "tinyShapes",
      "writeRandomCheckpoint",
      "writeScriptedModel",
    ]
  `);
});
