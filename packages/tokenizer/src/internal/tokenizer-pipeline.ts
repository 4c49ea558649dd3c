import { AddedTokenSplitter } from './added-token-splitter.js';
import type { AddedTokenDefinition } from './bpe-definition.js';
import { buildDecoder, type TokenDecoder } from './decode-tokens.js';
import { buildNormalizer } from './normalize-text.js';
import type { PipelineDefinition } from './pipeline-definition.js';
import { buildPreTokenizer, type Piece, type PreTokenizer } from './split-pieces.js';

/**
 * The general path of a `tokenizer.json`, as HF `tokenizers` runs it: added tokens split off (with their
 * flags), the rest normalized and pre-tokenized into pieces that the BPE model encodes (the caller's,
 * with its cache), the post-processor's template around the result; decoding through the decoder chain.
 */
export class TokenizerPipeline {
  readonly #definition: PipelineDefinition;
  readonly #splitter: AddedTokenSplitter;
  readonly #preTokenize: PreTokenizer | undefined;
  readonly #decoder: TokenDecoder | undefined;

  /** `where` names the file in errors (a regex that cannot be translated). */
  constructor(definition: PipelineDefinition, addedTokens: AddedTokenDefinition[], where: string) {
    this.#definition = definition;
    const normalize =
      definition.normalizer === undefined ? undefined : buildNormalizer(definition.normalizer, `${where} normalizer`);
    this.#splitter = new AddedTokenSplitter(addedTokens, definition.addedTokenFlags, normalize);
    this.#preTokenize =
      definition.preTokenizer === undefined
        ? undefined
        : buildPreTokenizer(definition.preTokenizer, `${where} pre_tokenizer`);
    this.#decoder = definition.decoder === undefined ? undefined : buildDecoder(definition.decoder, `${where} decoder`);
  }

  /** The ids of `text`; `encodePiece` appends a pre-tokenized piece's model ids. */
  encode(
    text: string,
    options: { addSpecialTokens?: boolean; parseSpecialTokens?: boolean },
    encodePiece: (piece: string, out: number[]) => void,
  ): number[] {
    const addSpecial = options.addSpecialTokens === true;
    const out: number[] = addSpecial ? [...this.#definition.template.before] : [];
    // HF reads UTF-8: a lone surrogate arrives as U+FFFD.
    const wellFormed = text.replace(/\p{Cs}/gu, '\ufffd');
    for (const segment of this.#splitter.split(wellFormed, options.parseSpecialTokens !== false)) {
      if ('id' in segment) {
        out.push(segment.id);
        continue;
      }
      if (segment.text === '') continue;
      const pieces: Piece[] = this.#preTokenize === undefined ? [segment] : this.#preTokenize([segment]);
      for (const piece of pieces) encodePiece(piece.text, out);
    }
    if (addSpecial) out.push(...this.#definition.template.after);
    return out;
  }

  /** The text of token strings (special ones already left out where asked). */
  decode(tokens: string[]): string {
    return this.#decoder === undefined ? tokens.join(' ') : this.#decoder(tokens).join('');
  }
}
