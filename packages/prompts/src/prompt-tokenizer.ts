/** What a prompt builder needs of a tokenizer: `@aquila/tokenizer`'s `Tokenizer` and a runtime model's tokenizer fit. */
export interface PromptTokenizer {
  encode(text: string): number[];
}
