import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { TokenizerFileNotFoundError } from './errors.js';
import type { AddedTokenDefinition } from './internal/bpe-definition.js';
import { readCompactDefinition } from './internal/compact-definition.js';
import { Tokenizer } from './tokenizer.js';

export interface LoadAquilaTokenizerOptions {
  /**
   * How special-token strings in text are treated. `'flagai'` (default), as FlagAI's `Tokenizer` does for
   * Aquila: its command tokens (`[CLS]`, `</s>`, `<|endoftext|>`, `[UNK]` → 0, `[SEP]` → 100004, masks,
   * pieces) eat the white space on both sides, id 0 decodes as `[UNK]`, 100004 as `[gMASK]`, 100002
   * as nothing. `'huggingface'`: the published tokenizer.json's 9 added tokens, no stripping.
   */
  specialTokens?: 'flagai' | 'huggingface';
  signal?: AbortSignal;
}

/** The shipped copy of Aquila's vocab.json + merges.txt + special_tokens.txt (see scripts/build-aquila-asset.ts). */
const assetUrl = new URL('../assets/aquila-tokenizer.bin.gz', import.meta.url);

function flagaiToken(content: string, id: number, alias = false): AddedTokenDefinition {
  return { id, content, lstrip: true, rstrip: true, special: true, alias };
}

/** FlagAI's command tokens for Aquila, as its `Tokenizer.from_pretrained` builds them (later entries win). */
const flagaiTokens: AddedTokenDefinition[] = [
  flagaiToken('<|endoftext|>', 0),
  flagaiToken('[UNK]', 0, true),
  flagaiToken('<|startofpiece|>', 100000),
  flagaiToken('<|endofpiece|>', 100001),
  flagaiToken('[MASK]', 100003),
  flagaiToken('[gMASK]', 100004),
  flagaiToken('[SEP]', 100004, true),
  flagaiToken('[sMASK]', 100005),
  flagaiToken('[CLS]', 100006),
  flagaiToken('</s>', 100007),
];

/** Aquila's tokenizer (100,008 ids; BOS `[CLS]` 100006, EOS `</s>` 100007, pad 0), from the files inside this package. */
export async function loadAquilaTokenizer(options: LoadAquilaTokenizerOptions = {}): Promise<Tokenizer> {
  const file = fileURLToPath(assetUrl);
  let compressed: Buffer;
  try {
    compressed = await readFile(file, { signal: options.signal });
  } catch (error) {
    if (options.signal?.aborted === true) throw options.signal.reason;
    throw new TokenizerFileNotFoundError(
      `Aquila's tokenizer file ${file} is missing from @aquila/tokenizer. Reinstall the package.`,
      { cause: error },
    );
  }
  const definition = readCompactDefinition(compressed, file);
  if (options.specialTokens !== 'huggingface') {
    definition.addedTokens = flagaiTokens;
    definition.decodeOverrides = [
      [0, '[UNK]'],
      [100004, '[gMASK]'],
      [100002, null],
    ];
    definition.stripWhiteSpace = 'python';
  }
  return new Tokenizer(definition);
}
