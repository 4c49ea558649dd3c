/**
 * The parts of a Hugging Face `tokenizer.json` around its BPE model, as plain structured-clonable data (what
 * `encodeBatch` workers receive). Only the kinds these types name are read; any other is refused by name.
 */

/** A Replace/Split pattern: a literal string, or an Oniguruma regex as `tokenizers` writes it. */
export type PatternDefinition = { string: string } | { regex: string };

export type NormalizerDefinition =
  | { type: 'NFC' | 'NFD' | 'NFKC' | 'NFKD' | 'Lowercase' | 'StripAccents' }
  | { type: 'Strip'; left: boolean; right: boolean }
  | { type: 'Prepend'; prepend: string }
  | { type: 'Replace'; pattern: PatternDefinition; content: string }
  | { type: 'Sequence'; normalizers: NormalizerDefinition[] };

export type SplitBehavior = 'Removed' | 'Isolated' | 'MergedWithPrevious' | 'MergedWithNext' | 'Contiguous';

export type PreTokenizerDefinition =
  | { type: 'Split'; pattern: PatternDefinition; behavior: SplitBehavior; invert: boolean }
  | { type: 'Digits'; individualDigits: boolean }
  | { type: 'Metaspace'; replacement: string; prependScheme: 'always' | 'first' | 'never'; split: boolean }
  /** Must come last: it hands the model bytes. `useRegex`: GPT-2's pattern splits first. */
  | { type: 'ByteLevel'; addPrefixSpace: boolean; useRegex: boolean }
  | { type: 'Sequence'; preTokenizers: PreTokenizerDefinition[] };

export type DecoderDefinition =
  | { type: 'ByteLevel' | 'ByteFallback' | 'Fuse' }
  | { type: 'Metaspace'; replacement: string; prependScheme: 'always' | 'first' | 'never' }
  | { type: 'Strip'; content: string; start: number; stop: number }
  | { type: 'Replace'; pattern: PatternDefinition; content: string }
  | { type: 'Sequence'; decoders: DecoderDefinition[] };

/** An added token's flags beyond the fast path's (`lstrip`, `rstrip`, `special` live in `AddedTokenDefinition`). */
export interface AddedTokenFlags {
  id: number;
  /** Matched only between word boundaries (Unicode `\w`), as HF's `single_word`. */
  singleWord: boolean;
  /** Matched in the normalized text (its content normalized too), not in the raw text. */
  normalized: boolean;
}

/** Everything of a `tokenizer.json` that the GPT-2-shaped fast path does not cover. */
export interface PipelineDefinition {
  normalizer: NormalizerDefinition | undefined;
  preTokenizer: PreTokenizerDefinition | undefined;
  /** The model reads bytes (a ByteLevel pre-tokenizer) rather than characters (SentencePiece style). */
  byteLevel: boolean;
  /** HF BPE `ignore_merges`: a piece that is a whole vocabulary token is that token. */
  ignoreMerges: boolean;
  /** `<0xNN>` ids per byte where the model has `byte_fallback` and all 256 of them, else undefined. */
  byteFallbackIds: number[] | undefined;
  unkTokenId: number | undefined;
  fuseUnk: boolean;
  addedTokenFlags: AddedTokenFlags[];
  /** What `encode({ addSpecialTokens: true })` puts around the text: the post-processor's single template. */
  template: { before: number[]; after: number[] };
  /** Ids a generation prompt starts with: `add_bos_token` of tokenizer_config.json, else the template's `before`. */
  promptPrefix: number[];
  /** Undefined: tokens are joined with spaces, as HF does without a decoder. */
  decoder: DecoderDefinition | undefined;
}
