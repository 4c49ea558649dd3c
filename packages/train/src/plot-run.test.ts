import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OutputPathError } from '@aquila/files';
import { describe, expect, it } from 'vitest';
import { RunDirectoryError } from './errors.js';
import { plotRun } from './plot-run.js';
import { renderLossChart } from './render-loss-chart.js';
import type { TrainingEvent } from './training-event.js';

describe('renderLossChart', () => {
  it('draws loss, its moving average, validation dots and the learning rate', () => {
    const events: TrainingEvent[] = [
      { type: 'iteration', iteration: 1, loss: 4, learningRate: 1e-4 },
      { type: 'iteration', iteration: 2, loss: 3, learningRate: 2e-4 },
      { type: 'validation', iteration: 2, loss: 3.5 },
      { type: 'iteration', iteration: 3, loss: 2.5, learningRate: 1e-4 },
      { type: 'checkpoint', iteration: 3 },
    ];
    expect(renderLossChart({ events, title: 'a <tiny> run', width: 300, height: 200 })).toMatchInlineSnapshot(`
      "<svg xmlns="http://www.w3.org/2000/svg" width="300" height="200" viewBox="0 0 300 200" font-family="system-ui, sans-serif" font-size="12">
      <rect width="300" height="200" fill="#fff"/>
      <text x="150" y="22" text-anchor="middle" font-size="15" font-weight="600">a &lt;tiny&gt; run</text>
      <g stroke="#ddd">
      <line x1="64" x2="230" y1="156.0" y2="156.0"/>
      <line x1="64" x2="230" y1="117.3" y2="117.3"/>
      <line x1="64" x2="230" y1="78.7" y2="78.7"/>
      <line x1="64" x2="230" y1="40.0" y2="40.0"/>
      </g>
      <g fill="#333" text-anchor="end">
      <text x="58" y="160.0">2.5</text>
      <text x="58" y="121.3">3</text>
      <text x="58" y="82.7">3.5</text>
      <text x="58" y="44.0">4</text>
      </g>
      <g fill="#333" text-anchor="middle">
      <text x="64.0" y="174">1</text>
      <text x="147.0" y="174">2</text>
      <text x="230.0" y="174">3</text>
      </g>
      <rect x="64" y="40" width="166" height="116" fill="none" stroke="#999"/>
      <text x="147" y="192" text-anchor="middle" fill="#333">iteration</text>
      <text transform="translate(16 98) rotate(-90)" text-anchor="middle" fill="#333">loss</text>
      <polyline fill="none" stroke="#9a9a9a" stroke-dasharray="4 3" stroke-width="1.2" points="64.0,98.0 147.0,40.0 230.0,98.0"/>
      <text x="236" y="44" fill="#777">2.0e-4</text>
      <text x="236" y="160" fill="#777">0</text>
      <text transform="translate(288 98) rotate(90)" text-anchor="middle" fill="#777">learning rate</text>
      <polyline fill="none" stroke="#9ecae1" stroke-width="1.2" points="64.0,40.0 147.0,117.3 230.0,156.0"/>
      <polyline fill="none" stroke="#08519c" stroke-width="2" points="64.0,40.0 147.0,117.3 230.0,156.0"/>
      <circle cx="147.0" cy="78.7" r="3.5" fill="#e6550d"/>
      <g transform="translate(222 56)" fill="#333" text-anchor="end">
      <g transform="translate(0 0)"><line x1="-18" x2="0" y1="-4" y2="-4" stroke="#08519c" stroke-width="2"/><text x="-24" y="0" stroke="#fff" stroke-width="3" paint-order="stroke">train loss (last 2.5000 at 3)</text></g>
      <g transform="translate(0 16)"><circle cx="-9" cy="-4" r="3.5" fill="#e6550d"/><text x="-24" y="0" stroke="#fff" stroke-width="3" paint-order="stroke">validation loss</text></g>
      <g transform="translate(0 32)"><line x1="-18" x2="0" y1="-4" y2="-4" stroke="#9a9a9a" stroke-dasharray="4 3"/><text x="-24" y="0" stroke="#fff" stroke-width="3" paint-order="stroke">learning rate</text></g>
      </g>
      </svg>
      "
    `);
  });

  it('says so when nothing was logged', () => {
    expect(renderLossChart({ events: [] })).toContain('no loss logged yet');
  });
});

describe('plotRun', () => {
  it('writes loss.svg and report.html from events.jsonl, and names a damaged line', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'aquila-plot-'));
    try {
      const events = Array.from({ length: 200 }, (_, index) => ({
        type: 'iteration',
        iteration: index + 1,
        loss: 8 * Math.exp(-index / 50) + 0.1 * Math.sin(index),
        tokensPerSecond: 1000 + index,
      }));
      await writeFile(join(directory, 'events.jsonl'), events.map((event) => `${JSON.stringify(event)}\n`).join(''));
      const result = await plotRun({ directory, title: 'tiny' });
      expect(result.events).toBe(200);
      const svg = await readFile(result.svgFile, 'utf8');
      expect([...svg.matchAll(/<polyline[^>]*points="([^"]*)"/g)].map((match) => match[1]?.split(' ').length)).toEqual([
        200, 200,
      ]);
      const html = await readFile(result.htmlFile, 'utf8');
      expect(html).toContain('<tr><th>first → last loss</th><td>8.0000 → 0.0613 (min 0.0613)</td></tr>');
      expect(html).toContain('<tr><th>median tokens/s</th><td>1,100</td></tr>');
      await writeFile(join(directory, 'events.jsonl'), '{"type":"iteration","iteration":1}\n{"type":"epoch"}\n');
      await expect(plotRun({ directory })).rejects.toThrow(RunDirectoryError);
      await expect(plotRun({ directory })).rejects.toThrow(/events\.jsonl:2: not a training event/);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('writes neither file when one of them cannot be written (report.html is a folder)', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'aquila-plot-'));
    try {
      await writeFile(join(directory, 'events.jsonl'), '{"type":"iteration","iteration":1,"loss":2}\n');
      await mkdir(join(directory, 'report.html'));
      await expect(plotRun({ directory })).rejects.toThrow(OutputPathError);
      await expect(plotRun({ directory })).rejects.toThrow(/the run report .*report\.html is a folder/);
      expect((await readdir(directory)).sort()).toEqual(['events.jsonl', 'report.html']);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
