/** A special added token as Hugging Face writes it in `tokenizer.json`: matched as written, neither stripped nor normalised. */
export function specialAddedToken(id: number, content: string): Record<string, unknown> {
  return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true };
}
