import { expect, it } from 'vitest';

it('exports exactly the public API', async () => {
  expect(Object.keys(await import('./index.js')).sort()).toEqual([
    'TokenIdError',
    'Tokenizer',
    'TokenizerError',
    'TokenizerFileFormatError',
    'TokenizerFileNotFoundError',
    'TokenizerInputError',
    'TokenizerUnknownMergeError',
    'TokenizerUnsupportedError',
    'TokenizerVocabularyMismatchError',
    'TokenizerWorkerError',
    'decodeJsonLines',
    'encodeJsonLines',
    'loadAquilaTokenizer',
    'loadTokenizer',
    'preTokenize',
    'writeTokenizerFiles',
  ]);
});

it('gives every error its own code, recognised across package copies but not by siblings', async () => {
  const api = await import('./index.js');
  const classes = [
    api.TokenIdError,
    api.TokenizerFileFormatError,
    api.TokenizerFileNotFoundError,
    api.TokenizerInputError,
    api.TokenizerUnknownMergeError,
    api.TokenizerUnsupportedError,
    api.TokenizerVocabularyMismatchError,
    api.TokenizerWorkerError,
  ];
  expect(new Set(classes.map((errorClass) => errorClass.code)).size).toBe(classes.length);
  const error = new api.TokenizerUnknownMergeError('x');
  expect(api.TokenizerUnknownMergeError.isInstance(error)).toBe(true);
  expect(api.TokenizerError.isInstance(error)).toBe(true);
  expect(api.TokenizerVocabularyMismatchError.isInstance(error)).toBe(false);
  expect(error.code).toBe('AQUILA_TOKENIZER_UNKNOWN_MERGE');
});
