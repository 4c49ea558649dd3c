import type { ExecutionTask } from '../execution-task.js';

/**
 * Removes and returns the next queued task, preferring one of the next 32 on `database`: the database a worker
 * used last, whose gold rows it has cached.
 */
export function takeTask<T extends { task: ExecutionTask }>(queue: T[], database: string | undefined): T | undefined {
  const window = Math.min(queue.length, 32);
  let pick = 0;
  for (let index = 0; index < window; index += 1) {
    if (queue[index]?.task.databases[0] === database) {
      pick = index;
      break;
    }
  }
  return queue.splice(pick, 1)[0];
}
