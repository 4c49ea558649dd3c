import { expect, it } from 'vitest';

it('exports the public API and nothing else', async () => {
  expect(Object.keys(await import('./index.js')).sort()).toMatchInlineSnapshot(`
    [
      "CheckpointFormatError",
      "CheckpointTensorError",
      "DownloadError",
      "GenerationOptionsError",
      "LanguageModel",
      "ModelConfigError",
      "ModelRunError",
      "UnsafePickleError",
      "convertCheckpoint",
      "flagaiChatPromptIds",
      "flagaiPromptIds",
      "flagaiSampling",
      "flagaiStopRules",
      "flagaiSystemPrompt",
      "interleavedToHalfRotation",
      "layerWeightName",
      "listHubFiles",
      "modelWeightName",
      "openCheckpoint",
      "openSafetensors",
      "openTorchCheckpoint",
      "parseModelConfig",
      "pullModel",
      "readConvertedModelConfig",
      "readModelConfig",
      "writeRandomCheckpoint",
      "writeSafetensors",
      "writeTorchCheckpoint",
    ]
  `);
});
