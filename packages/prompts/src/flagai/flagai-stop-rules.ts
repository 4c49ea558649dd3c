import type { ChatStopRules } from '../chat-template/chat-template.js';
import { aquilaSpecialTokenIds } from './aquila-special-token-ids.js';

/** FlagAI's stop rules for Aquila: EOS id 100007, id 0 (decodes to `[UNK]`), and the texts `###`, `[UNK]`, `</s>`. */
export const flagaiStopRules = {
  stopTokenIds: [aquilaSpecialTokenIds.eos, aquilaSpecialTokenIds.unknown],
  stopStrings: ['###', '[UNK]', '</s>'],
} as const satisfies ChatStopRules;
