import { AquilaError } from '@aquila/errors';

/** A tokenizer lacks a special token that a prompt convention needs (FlagAI's SFT format: `[CLS]` and `</s>`). */
export class MissingSpecialTokenError extends AquilaError {
  static override readonly code: string = 'AQUILA_PROMPTS_MISSING_SPECIAL_TOKEN';
}
