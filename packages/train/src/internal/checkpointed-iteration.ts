import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The iteration of a FlagScale run's latest complete checkpoint: Megatron writes
 * `checkpoints/latest_checkpointed_iteration.txt` after every save, and saves at `train_iters` when
 * training ends (FlagScale sets `save` to `exp_dir/checkpoints`). Undefined when there is none.
 */
export async function checkpointedIteration(experimentDirectory: string): Promise<number | undefined> {
  const text = await readFile(
    join(experimentDirectory, 'checkpoints', 'latest_checkpointed_iteration.txt'),
    'utf8',
  ).catch(() => undefined);
  const iteration = text === undefined ? Number.NaN : Number(text.trim());
  return Number.isSafeInteger(iteration) && iteration >= 0 ? iteration : undefined;
}
