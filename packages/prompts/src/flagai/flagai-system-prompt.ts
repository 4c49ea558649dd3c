/**
 * FlagAI's chat system prompt: the header of its SFT conversations (`conv_v1_2`) and of its chat template
 * (`cyg_conversation.py`).
 */
export const flagaiSystemPrompt =
  "A chat between a curious human and an artificial intelligence assistant. The assistant gives helpful, detailed, and polite answers to the human's questions.";
