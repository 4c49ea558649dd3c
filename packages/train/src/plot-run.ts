import { access, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RunDirectoryError } from './errors.js';
import { eventsFile, runRecordFile } from './internal/run-record.js';
import { readRunStatus } from './read-run-status.js';
import { renderLossChart } from './render-loss-chart.js';
import { renderRunReport } from './render-run-report.js';
import type { TrainingEvent } from './training-event.js';

const eventTypes = new Set(['iteration', 'validation', 'checkpoint']);

/** The events of a run directory's `events.jsonl` (any engine); a damaged line throws naming it. */
export async function readRunEvents(options: { directory: string; signal?: AbortSignal }): Promise<TrainingEvent[]> {
  const path = join(options.directory, eventsFile);
  let text: string;
  try {
    text = await readFile(path, { encoding: 'utf8', signal: options.signal });
  } catch (error) {
    throw new RunDirectoryError(`${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}); a run writes it as it trains`, { cause: error });
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
    if (typeof candidate !== 'object' || candidate === null || !eventTypes.has(String(candidate.type)) || typeof candidate.iteration !== 'number') {
      throw new RunDirectoryError(`${path}:${index + 1}: not a training event ({"type": "iteration" | "validation" | "checkpoint", "iteration": N, …})`);
    }
    events.push(candidate as TrainingEvent);
  }
  return events;
}

/** Where `plotRun` wrote the chart and report. */
export interface PlotRunResult {
  svgFile: string;
  htmlFile: string;
  events: number;
}

/**
 * Draws a run's loss curve: `loss.svg` and `report.html` in the run directory. A FlagScale run's events
 * are first refreshed from its rank log; any directory with an `events.jsonl` works.
 */
export async function plotRun(options: { directory: string; title?: string; signal?: AbortSignal }): Promise<PlotRunResult> {
  const { directory } = options;
  const facts: Array<readonly [string, string]> = [['directory', directory]];
  let title = options.title;
  const isRun = await access(join(directory, runRecordFile)).then(
    () => true,
    () => false,
  );
  if (isRun) {
    const status = await readRunStatus({ directory, signal: options.signal });
    facts.push(['engine', status.engine], ['state', status.state], ['status', status.message]);
    title ??= status.name;
  }
  const events = await readRunEvents({ directory, signal: options.signal });
  title ??= 'Training loss';
  const svgFile = join(directory, 'loss.svg');
  const htmlFile = join(directory, 'report.html');
  await writeFile(svgFile, renderLossChart({ events, title }));
  await writeFile(htmlFile, renderRunReport({ events, title, facts }));
  return { svgFile, htmlFile, events: events.length };
}
