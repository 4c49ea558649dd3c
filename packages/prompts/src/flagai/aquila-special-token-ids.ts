/**
 * Aquila's special token ids, as FlagAI's tokenizer numbers them: BOS `[CLS]` 100006, EOS `</s>` 100007, and 0
 * (`<|endoftext|>`, decoded as `[UNK]`), which is also the padding id.
 */
export const aquilaSpecialTokenIds = { bos: 100006, eos: 100007, unknown: 0, pad: 0 } as const;
