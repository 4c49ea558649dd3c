import { AquilaError, type AquilaErrorOptions } from '@aquila/errors';

/** A tokenizer lacks a special token that a prompt convention needs (FlagAI's SFT format: `[CLS]` and `</s>`). */
export class MissingSpecialTokenError extends AquilaError {
  static override readonly code: string = 'AQUILA_PROMPTS_MISSING_SPECIAL_TOKEN';
}

/** A chat template that cannot be read or parsed: a tokenizer_config.json that is not JSON, a Jinja syntax error. */
export class ChatTemplateParseError extends AquilaError {
  static override readonly code: string = 'AQUILA_PROMPTS_CHAT_TEMPLATE_PARSE';
}

/** A chat template that fails on the messages it renders: its `raise_exception`, or an expression it cannot evaluate. */
export class ChatTemplateRenderError extends AquilaError {
  static override readonly code: string = 'AQUILA_PROMPTS_CHAT_TEMPLATE_RENDER';
  /** What went wrong without the template's file (the template's `raise_exception` message): fit for a client. */
  readonly reason: string;

  constructor(message: string, options: AquilaErrorOptions & { reason: string }) {
    super(message, options);
    this.reason = options.reason;
  }
}
