import { BuildConfigError } from '../errors.js';

/** The part of a tokenizer packing needs; `@aquila/tokenizer`'s `Tokenizer` fits. */
export interface PackTokenizer {
  encode(text: string, options?: { addSpecialTokens?: boolean }): number[];
  readonly vocabSize: number;
  readonly bosTokenId: number | undefined;
  readonly eosTokenId: number | undefined;
}

/** Which ids frame each document: FlagAI's `encode_plus` (`[CLS] … </s>`), FlagScale's `--append-eod` (`… </s>`), or none. */
export type PackConvention = 'flagai' | 'flagscale' | 'none';

export interface DocumentFraming {
  /** Put the tokenizer's BOS before each document; default from the convention. */
  bos?: boolean;
  /** Put the tokenizer's EOS (EOD) after each document; default from the convention. */
  eod?: boolean;
  convention?: PackConvention;
}

/** The BOS/EOD ids a writer should add, from a convention and explicit overrides. */
export function documentFramingIds(tokenizer: PackTokenizer, framing: DocumentFraming): { bos?: number; eod?: number } {
  const convention = framing.convention ?? 'flagai';
  const bos = framing.bos ?? convention === 'flagai';
  const eod = framing.eod ?? convention !== 'none';
  if ((bos && tokenizer.bosTokenId === undefined) || (eod && tokenizer.eosTokenId === undefined)) {
    throw new BuildConfigError(
      `The tokenizer has no ${bos && tokenizer.bosTokenId === undefined ? 'BOS' : 'EOS'} id, but the ${convention} convention needs one; choose convention "none" or a tokenizer with special tokens.`,
    );
  }
  return { ...(bos ? { bos: tokenizer.bosTokenId! } : {}), ...(eod ? { eod: tokenizer.eosTokenId! } : {}) };
}
