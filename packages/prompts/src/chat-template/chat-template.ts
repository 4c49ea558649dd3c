/**
 * One chat message as templates read it: `role` and `content`, and whatever else a template reads
 * (`tool_calls`, `name`, `reasoning_content`).
 */
export interface ChatMessage {
  role: string;
  content: string;
  readonly [field: string]: unknown;
}

export interface ChatTemplateRenderOptions {
  /** End with the header of the assistant's turn, for the model to answer (`add_generation_prompt`). Default false, as in HF. */
  addGenerationPrompt?: boolean;
  /** Tool definitions (JSON schemas) for templates that describe tools (`tools`). */
  tools?: readonly Readonly<Record<string, unknown>>[];
  /** Documents for retrieval templates (`documents`). */
  documents?: readonly Readonly<Record<string, unknown>>[];
  /** More template variables, as `apply_chat_template`'s keyword arguments (`enable_thinking: false` for Qwen3). */
  variables?: Readonly<Record<string, unknown>>;
}

/** Stop rules a chat format needs beyond the model's EOS; named as `@aquila/runtime`'s generation options. */
export interface ChatStopRules {
  readonly stopTokenIds: readonly number[];
  readonly stopStrings: readonly string[];
}

/**
 * A model's chat format: messages in, the prompt text out. A model's own template (`tokenizer_config.json`,
 * {@link readChatTemplate}) and FlagAI's Aquila format ({@link flagaiChatTemplate}) both fit, so a caller
 * renders either the same way.
 */
export interface ChatTemplate {
  /** Where the template comes from, named in errors: its file, or FlagAI's Aquila format. */
  readonly source: string;
  /**
   * True when the text carries the template's special tokens as strings (`<|im_start|>`, BOS): encode it
   * reading special tokens and adding none, as HF's `apply_chat_template` does. False: the text is plain.
   */
  readonly specialTokensInText: boolean;
  /** Stop rules the format needs beyond the model's EOS (FlagAI's `###`); absent for a model's own template. */
  readonly stopRules?: ChatStopRules;
  /** The prompt text of the messages; a {@link ChatTemplateRenderError} when the template refuses them. */
  render(messages: readonly ChatMessage[], options?: ChatTemplateRenderOptions): string;
}
