import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RunDirectoryError } from './errors.js';
import { eventsFile } from './internal/run-record.js';
import type { TrainingEvent } from './training-event.js';

const eventTypes = new Set(['iteration', 'validation', 'checkpoint']);

/** The events of a run directory's `events.jsonl` (any engine); a damaged line throws naming it. */
export async function readRunEvents(options: { directory: string; signal?: AbortSignal }): Promise<TrainingEvent[]> {
  const path = join(options.directory, eventsFile);
  let text: string;
  try {
    text = await readFile(path, { encoding: 'utf8', signal: options.signal });
  } catch (error) {
    throw new RunDirectoryError(
      `${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}); a run writes it as it trains`,
      { cause: error },
    );
  }
  const events: TrainingEvent[] = [];
  for (const [index, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    let event: unknown;
    try {
      event = JSON.parse(line);
    } catch (error) {
      throw new RunDirectoryError(`${path}:${index + 1}: not valid JSON`, { cause: error });
    }
    const candidate = event as Partial<TrainingEvent> | null;
    if (
      typeof candidate !== 'object' ||
      candidate === null ||
      !eventTypes.has(String(candidate.type)) ||
      typeof candidate.iteration !== 'number'
    ) {
      throw new RunDirectoryError(
        `${path}:${index + 1}: not a training event ({"type": "iteration" | "validation" | "checkpoint", "iteration": N, …})`,
      );
    }
    events.push(candidate as TrainingEvent);
  }
  return events;
}
