import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { checkOutputPaths, writeFileAtomic } from '@aquila/files';
import { runRecordFile } from './internal/run-record.js';
import { readRunEvents } from './read-run-events.js';
import { readRunStatus } from './read-run-status.js';
import { renderLossChart } from './render-loss-chart.js';
import { renderRunReport } from './render-run-report.js';

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
export async function plotRun(options: {
  directory: string;
  title?: string;
  signal?: AbortSignal;
}): Promise<PlotRunResult> {
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
  // Both or neither: a report path that cannot be written fails before the chart is.
  await checkOutputPaths({
    outputs: [
      { path: svgFile, label: 'the loss chart' },
      { path: htmlFile, label: 'the run report' },
    ],
  });
  await writeFileAtomic({ path: svgFile, data: renderLossChart({ events, title }) });
  await writeFileAtomic({ path: htmlFile, data: renderRunReport({ events, title, facts }) });
  return { svgFile, htmlFile, events: events.length };
}
