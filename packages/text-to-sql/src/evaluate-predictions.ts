import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { evaluate, formatReport, formatReportExtras, htmlReport, officialItemLine, officialSummaryLine, type EvaluationSummary, type EvaluationType, type ItemVerdict } from '@aquila/sql-metrics';
import { predictionFiles } from './predict-benchmark.js';

export interface EvaluatePredictionsOptions {
  /** A run folder written by {@link predictBenchmark}. */
  output: string;
  /** Database folder `<db_id>/<db_id>.sqlite`; without it (or without a file for some question) only exact match is scored. */
  databases?: string;
  tables: string;
  /** Execution worker threads. */
  workers?: number;
  onProgress?: (progress: { done: number; total: number }) => void;
  signal?: AbortSignal;
}

export const reportFiles = { html: 'report.html', text: 'report.txt', summary: 'summary.json', items: 'items.jsonl' } as const;

/**
 * Scores a prediction run with @aquila/sql-metrics (exact match, and execution where every question's database
 * file is there) and writes the reports beside the predictions: report.html, report.txt, summary.json, items.jsonl.
 */
export async function evaluatePredictions(options: EvaluatePredictionsOptions): Promise<{ summary: EvaluationSummary; etype: EvaluationType; report: string }> {
  const gold = join(options.output, predictionFiles.gold);
  const databaseIds = new Set((await readFile(gold, 'utf8')).split('\n').filter(Boolean).map((line) => line.slice(line.lastIndexOf('\t') + 1)));
  const databases = options.databases;
  const executable = databases !== undefined && [...databaseIds].every((id) => existsSync(join(databases, id, `${id}.sqlite`)));
  const etype: EvaluationType = executable ? 'all' : 'match';
  const items: ItemVerdict[] = [];
  const generator = evaluate({
    gold,
    pred: join(options.output, predictionFiles.predictions),
    db: databases ?? options.output,
    tables: options.tables,
    etype,
    ...(executable ? {} : { schemaSource: 'tables' as const, checkRuns: false }),
    ...(options.workers === undefined ? {} : { workers: options.workers }),
    ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  let step = await generator.next();
  while (step.done !== true) {
    items.push(step.value);
    step = await generator.next();
  }
  const summary = step.value;
  const report = `${formatReport({ summary })}\n${formatReportExtras({ summary })}`;
  await writeFile(join(options.output, reportFiles.text), report);
  await writeFile(join(options.output, reportFiles.html), htmlReport({ summary, items }));
  await writeFile(join(options.output, reportFiles.summary), `${JSON.stringify(summary, null, 2)}\n`);
  await writeFile(join(options.output, reportFiles.items), [...items.map(officialItemLine), officialSummaryLine(summary)].map((line) => `${line}\n`).join(''));
  return { summary, etype, report };
}
