/** A tokenizer as generation and prompt code use it (@aquila/runtime's `GenerationTokenizer`, structurally). */
export interface CharacterTokenizer {
  encode(text: string): number[];
  decode(ids: ArrayLike<number>, options?: { skipSpecialTokens?: boolean }): string;
  createStreamingDecoder(options?: { skipSpecialTokens?: boolean }): { push(id: number): string; flush(): string };
}

/**
 * A real (if tiny) tokenizer for generation tests: one id per character of `alphabet`, after the
 * special tokens `<s>` (0) and `</s>` (1). Multi-character tokens (`"ab"`) exercise stop strings that
 * end inside a token.
 */
export function createCharacterTokenizer(alphabet: readonly string[]): CharacterTokenizer {
  const pieces = ['<s>', '</s>', ...alphabet];
  const special = new Set([0, 1]);
  const piece = (id: number, skipSpecialTokens: boolean): string =>
    skipSpecialTokens && special.has(id) ? '' : (pieces[id] ?? '');
  return {
    encode(text) {
      const ids: number[] = [];
      for (let index = 0; index < text.length; ) {
        let best = -1;
        for (let id = 2; id < pieces.length; id++) {
          if (
            text.startsWith(pieces[id] as string, index) &&
            (best < 0 || (pieces[id] as string).length > (pieces[best] as string).length)
          )
            best = id;
        }
        if (best < 0) throw new Error(`character ${JSON.stringify(text[index])} is not in the test alphabet`);
        ids.push(best);
        index += (pieces[best] as string).length;
      }
      return ids;
    },
    decode: (ids, options) => Array.from(ids, (id) => piece(id, options?.skipSpecialTokens === true)).join(''),
    createStreamingDecoder(options) {
      return { push: (id) => piece(id, options?.skipSpecialTokens === true), flush: () => '' };
    },
  };
}
