import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';

/** The folder of a checkpoint given as a folder or as one of its files: config and tokenizer files sit there. */
export async function checkpointFolder(checkpoint: string): Promise<string> {
  const stats = await stat(checkpoint).catch(() => undefined);
  return stats && !stats.isDirectory() ? dirname(checkpoint) : checkpoint;
}
