import { escapeHtml } from './internal/escape-html.js';
import type { IterationEvent, TrainingEvent, ValidationEvent } from './training-event.js';

/** Options of `renderLossChart`. */
export interface RenderLossChartOptions {
  events: readonly TrainingEvent[];
  /** Shown above the plot. */
  title?: string;
  width?: number;
  height?: number;
}

// Round-number axis ticks (1, 2, 5 × 10^k) covering [low, high].
function ticks(low: number, high: number, count: number): number[] {
  if (high <= low) return [low];
  const raw = (high - low) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((factor) => factor * magnitude >= raw) ?? 10) * magnitude;
  const result: number[] = [];
  for (let value = Math.ceil(low / step) * step; value <= high + step * 1e-9; value += step)
    result.push(Number(value.toPrecision(12)));
  return result;
}

function formatTick(value: number): string {
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  return magnitude >= 1e5 || magnitude < 1e-3 ? value.toExponential(1) : String(Number(value.toPrecision(4)));
}

/**
 * A loss curve as a standalone SVG: training loss per logged iteration, its moving average, validation
 * losses as dots, and the learning rate (dashed, right axis). Works for FlagScale's and in-process events.
 */
export function renderLossChart(options: RenderLossChartOptions): string {
  const width = options.width ?? 720;
  const height = options.height ?? 360;
  const margin = { top: 40, right: 70, bottom: 44, left: 64 };
  const plotWidth = width - margin.left - margin.right;
  const plotHeight = height - margin.top - margin.bottom;
  const losses = options.events.filter(
    (event): event is IterationEvent & { loss: number } =>
      event.type === 'iteration' && event.loss !== undefined && Number.isFinite(event.loss),
  );
  const validations = options.events.filter(
    (event): event is ValidationEvent & { loss: number } =>
      event.type === 'validation' && event.loss !== undefined && Number.isFinite(event.loss),
  );
  const rates = options.events.filter(
    (event): event is IterationEvent & { learningRate: number } =>
      event.type === 'iteration' && event.learningRate !== undefined && Number.isFinite(event.learningRate),
  );
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="600">${escapeHtml(options.title ?? 'Training loss')}</text>`,
  ];
  const points = [...losses, ...validations];
  if (points.length === 0) {
    parts.push(
      `<text x="${width / 2}" y="${height / 2}" text-anchor="middle" fill="#666">no loss logged yet</text>`,
      '</svg>',
    );
    return `${parts.join('\n')}\n`;
  }
  const iterations = points.map(({ iteration }) => iteration);
  const minIteration = Math.min(...iterations);
  const maxIteration = Math.max(minIteration + 1, ...iterations);
  const lossValues = points.map(({ loss }) => loss);
  const lossTicks = ticks(Math.min(...lossValues), Math.max(...lossValues), 5);
  const lowLoss = Math.min(lossTicks[0] as number, ...lossValues);
  const highLoss = Math.max(lossTicks.at(-1) as number, ...lossValues, lowLoss + 1e-9);
  const x = (iteration: number): number =>
    margin.left + ((iteration - minIteration) / (maxIteration - minIteration)) * plotWidth;
  const y = (loss: number): number => margin.top + (1 - (loss - lowLoss) / (highLoss - lowLoss)) * plotHeight;
  const coordinate = (value: number): string => value.toFixed(1);

  parts.push(`<g stroke="#ddd">`);
  for (const tick of lossTicks)
    parts.push(
      `<line x1="${margin.left}" x2="${margin.left + plotWidth}" y1="${coordinate(y(tick))}" y2="${coordinate(y(tick))}"/>`,
    );
  parts.push('</g>', `<g fill="#333" text-anchor="end">`);
  for (const tick of lossTicks)
    parts.push(`<text x="${margin.left - 6}" y="${coordinate(y(tick) + 4)}">${formatTick(tick)}</text>`);
  parts.push('</g>', `<g fill="#333" text-anchor="middle">`);
  for (const tick of ticks(minIteration, maxIteration, 6).filter((value) => Number.isInteger(value))) {
    parts.push(`<text x="${coordinate(x(tick))}" y="${margin.top + plotHeight + 18}">${formatTick(tick)}</text>`);
  }
  parts.push(
    '</g>',
    `<rect x="${margin.left}" y="${margin.top}" width="${plotWidth}" height="${plotHeight}" fill="none" stroke="#999"/>`,
    `<text x="${margin.left + plotWidth / 2}" y="${height - 8}" text-anchor="middle" fill="#333">iteration</text>`,
    `<text transform="translate(16 ${margin.top + plotHeight / 2}) rotate(-90)" text-anchor="middle" fill="#333">loss</text>`,
  );

  if (rates.length > 0) {
    const highRate = Math.max(...rates.map(({ learningRate }) => learningRate), Number.MIN_VALUE);
    const rateY = (rate: number): number => margin.top + (1 - rate / highRate) * plotHeight;
    parts.push(
      `<polyline fill="none" stroke="#9a9a9a" stroke-dasharray="4 3" stroke-width="1.2" points="${rates.map(({ iteration, learningRate }) => `${coordinate(x(iteration))},${coordinate(rateY(learningRate))}`).join(' ')}"/>`,
      `<text x="${margin.left + plotWidth + 6}" y="${margin.top + 4}" fill="#777">${formatTick(highRate)}</text>`,
      `<text x="${margin.left + plotWidth + 6}" y="${margin.top + plotHeight + 4}" fill="#777">0</text>`,
      `<text transform="translate(${width - 12} ${margin.top + plotHeight / 2}) rotate(90)" text-anchor="middle" fill="#777">learning rate</text>`,
    );
  }
  if (losses.length > 0) {
    parts.push(
      `<polyline fill="none" stroke="#9ecae1" stroke-width="1.2" points="${losses.map(({ iteration, loss }) => `${coordinate(x(iteration))},${coordinate(y(loss))}`).join(' ')}"/>`,
    );
    // A trailing moving average over ~2 % of the points shows the trend through step-to-step noise.
    const window = Math.max(1, Math.round(losses.length / 50));
    let sum = 0;
    const smooth = losses.map(({ iteration, loss }, index) => {
      sum += loss - (index >= window ? (losses[index - window] as { loss: number }).loss : 0);
      return `${coordinate(x(iteration))},${coordinate(y(sum / Math.min(index + 1, window)))}`;
    });
    parts.push(`<polyline fill="none" stroke="#08519c" stroke-width="2" points="${smooth.join(' ')}"/>`);
  }
  for (const { iteration, loss } of validations)
    parts.push(`<circle cx="${coordinate(x(iteration))}" cy="${coordinate(y(loss))}" r="3.5" fill="#e6550d"/>`);
  const last = losses.at(-1);
  // Top right, where a falling loss leaves room; labels end at the markers and carry a white halo.
  const legendRows = [
    {
      label: `train loss${last === undefined ? '' : ` (last ${last.loss.toFixed(4)} at ${last.iteration})`}`,
      marker: '<line x1="-18" x2="0" y1="-4" y2="-4" stroke="#08519c" stroke-width="2"/>',
    },
    ...(validations.length > 0
      ? [{ label: 'validation loss', marker: '<circle cx="-9" cy="-4" r="3.5" fill="#e6550d"/>' }]
      : []),
    ...(rates.length > 0
      ? [
          {
            label: 'learning rate',
            marker: '<line x1="-18" x2="0" y1="-4" y2="-4" stroke="#9a9a9a" stroke-dasharray="4 3"/>',
          },
        ]
      : []),
  ];
  const legend = [
    `<g transform="translate(${margin.left + plotWidth - 8} ${margin.top + 16})" fill="#333" text-anchor="end">`,
    ...legendRows.map(
      ({ label, marker }, index) =>
        `<g transform="translate(0 ${index * 16})">${marker}<text x="-24" y="0" stroke="#fff" stroke-width="3" paint-order="stroke">${escapeHtml(label)}</text></g>`,
    ),
    '</g>',
  ];
  parts.push(...legend, '</svg>');
  return `${parts.join('\n')}\n`;
}
