import { escapeHtml } from './internal/escape-html.js';
import { renderLossChart } from './render-loss-chart.js';
import type { IterationEvent, TrainingEvent } from './training-event.js';

/** Options of `renderRunReport`. */
export interface RenderRunReportOptions {
  events: readonly TrainingEvent[];
  title: string;
  /** Extra facts shown above the chart (state, engine, directory…). */
  facts?: ReadonlyArray<readonly [string, string]>;
}

/** A self-contained HTML page: the loss chart and a summary of the run's events. */
export function renderRunReport(options: RenderRunReportOptions): string {
  const iterations = options.events.filter((event): event is IterationEvent => event.type === 'iteration');
  const losses = iterations.flatMap(({ loss }) => (loss === undefined || !Number.isFinite(loss) ? [] : [loss]));
  const speeds = iterations.flatMap(({ tokensPerSecond }) => (tokensPerSecond === undefined ? [] : [tokensPerSecond]));
  const last = iterations.at(-1);
  const facts: Array<readonly [string, string]> = [
    ...(options.facts ?? []),
    ['logged iterations', String(iterations.length)],
    ...(last === undefined
      ? []
      : [
          [
            'last iteration',
            `${last.iteration}${last.totalIterations === undefined ? '' : ` / ${last.totalIterations}`}`,
          ] as const,
        ]),
    ...(losses.length === 0
      ? []
      : [
          [
            'first → last loss',
            `${(losses[0] as number).toFixed(4)} → ${(losses.at(-1) as number).toFixed(4)} (min ${Math.min(...losses).toFixed(4)})`,
          ] as const,
        ]),
    ...(speeds.length === 0
      ? []
      : [
          [
            'median tokens/s',
            Math.round([...speeds].sort((a, b) => a - b)[Math.floor(speeds.length / 2)] as number).toLocaleString(
              'en-US',
            ),
          ] as const,
        ]),
    ['checkpoints', String(options.events.filter(({ type }) => type === 'checkpoint').length)],
  ];
  const rows = facts
    .map(([name, value]) => `<tr><th>${escapeHtml(name)}</th><td>${escapeHtml(value)}</td></tr>`)
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(options.title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;color:#222}table{border-collapse:collapse;margin-bottom:1rem}th{text-align:left;padding:2px 16px 2px 0;font-weight:500;color:#555}td{padding:2px 0}</style>
</head>
<body>
<h1>${escapeHtml(options.title)}</h1>
<table>
${rows}
</table>
${renderLossChart({ events: options.events, title: options.title })}</body>
</html>
`;
}
