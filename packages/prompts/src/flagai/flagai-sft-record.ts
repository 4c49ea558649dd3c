/** FlagAI's SFT JSONL line (`ConversationDatasetV2`): one human turn, one gpt turn, an empty instruction. */
export interface FlagAiSftRecord {
  id: string;
  conversations: [{ from: 'human'; value: string }, { from: 'gpt'; value: string }];
  instruction: string;
}
