import { expect, it } from 'vitest';

it('exports the public API and nothing else', async () => {
  expect(Object.keys(await import('./index.js')).sort()).toMatchInlineSnapshot(`
    [
      "CheckpointFormatError",
      "CheckpointTensorError",
      "IndexedDatasetFormatError",
      "IndexedDatasetNotFoundError",
      "LossMaskLengthError",
      "NpyFormatError",
      "TokenRangeError",
      "UnsafePickleError",
      "createIndexedDatasetWriter",
      "createSftIndexedDatasetWriter",
      "decodeIndexedDatasetIndex",
      "decodeNpy",
      "decodeWeights",
      "encodeIndexedDatasetIndex",
      "encodeNpy",
      "encodeWeights",
      "findWeightFiles",
      "openCheckpoint",
      "openIndexedDataset",
      "openSafetensors",
      "openTorchCheckpoint",
      "optimalDtype",
      "writeIndexedDataset",
      "writeSafetensors",
      "writeTorchCheckpoint",
    ]
  `);
});
