import { join } from 'node:path';
import { writeFilesTogether } from '@aquila/files';
import {
  type BirdItemVerdict,
  type BirdSummary,
  birdHtmlReport,
  birdItemLine,
  evaluateBird,
  formatBirdReports,
} from '@aquila/sql-metrics';
import { runFile } from './evaluate-predictions.js';
import { predictionFiles, reportFiles } from './run-files.js';

export interface EvaluateBirdRunOptions {
  /** A BIRD run folder written by `predictBenchmark` (gold.txt, predict.json, questions.jsonl). */
  output: string;
  /** BIRD's database folder `<db_id>/<db_id>.sqlite` (dev_databases). */
  databases: string;
  /** Execution worker threads. */
  workers?: number;
  onProgress?: (progress: { done: number; total: number }) => void;
  signal?: AbortSignal;
}

/**
 * Scores a BIRD prediction run with @aquila/sql-metrics' `evaluateBird` (EX and Soft-F1 by difficulty, as
 * `aquila eval --benchmark bird` with its defaults) and writes the reports beside the predictions, under the names
 * `evaluatePredictions` uses: report.txt (the official scripts' tables), report.html, summary.json and items.jsonl
 * (one verdict a line, the fixture's field names). The four appear together, or not at all.
 */
export async function evaluateBirdRun(
  options: EvaluateBirdRunOptions,
): Promise<{ summary: BirdSummary; report: string; items: BirdItemVerdict[] }> {
  const gold = await runFile(options.output, predictionFiles.gold);
  const pred = await runFile(options.output, predictionFiles.birdPredictions);
  const questions = await runFile(options.output, predictionFiles.birdQuestions);
  const { items, summary } = await evaluateBird({
    gold,
    pred,
    questions,
    db: options.databases,
    ...(options.workers === undefined ? {} : { workers: options.workers }),
    ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  const report = formatBirdReports(summary);
  await writeFilesTogether({
    files: [
      { path: join(options.output, reportFiles.text), data: report },
      { path: join(options.output, reportFiles.html), data: birdHtmlReport({ summary, items }) },
      { path: join(options.output, reportFiles.summary), data: `${JSON.stringify(summary, null, 2)}\n` },
      { path: join(options.output, reportFiles.items), data: items.map((item) => `${birdItemLine(item)}\n`).join('') },
    ],
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  return { summary, report, items };
}
