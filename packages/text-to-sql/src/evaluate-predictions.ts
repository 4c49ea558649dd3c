import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { BadLinePolicy, readTextLines, writeFilesTogether } from '@aquila/files';
import {
  type EvaluationSummary,
  type EvaluationType,
  evaluate,
  formatReport,
  formatReportExtras,
  htmlReport,
  type ItemVerdict,
  officialItemLine,
  officialSummaryLine,
} from '@aquila/sql-metrics';
import { BenchmarkInputError } from './errors.js';
import { predictionFiles, reportFiles } from './run-files.js';

export interface EvaluatePredictionsOptions {
  /** A run folder written by `predictBenchmark`. */
  output: string;
  /** Database folder `<db_id>/<db_id>.sqlite`; without it (or without a file for some question) only exact match is scored. */
  databases?: string;
  tables: string;
  /** Execution worker threads. */
  workers?: number;
  /** Where bad lines of gold.txt and predict.txt go (passed to @aquila/sql-metrics' `evaluate`); without one the first stops the evaluation. */
  badLines?: BadLinePolicy;
  onProgress?: (progress: { done: number; total: number }) => void;
  signal?: AbortSignal;
}

/** The run folder's file `name`, which must be there: a missing one means the folder is not a finished run. */
export async function runFile(output: string, name: string): Promise<string> {
  const path = join(output, name);
  const found = await stat(path).catch(() => undefined);
  if (found?.isFile() !== true)
    throw new BenchmarkInputError(
      `${output} has no ${name}: it is not a finished prediction run; run aquila predict with --out ${output} first, or give the run folder.`,
    );
  return path;
}

/**
 * The db_ids of a gold file (`SQL<TAB>db_id` a line), to choose between execution and exact match only. Bad lines
 * are passed over here: the evaluation reads the file again and reports them under the caller's policy.
 */
async function goldDatabases(gold: string, signal: AbortSignal | undefined): Promise<Set<string>> {
  const ids = new Set<string>();
  for await (const { text } of readTextLines({
    input: gold,
    badLines: new BadLinePolicy({ skip: true }),
    ...(signal === undefined ? {} : { signal }),
  })) {
    const tab = text.lastIndexOf('\t');
    if (tab >= 0 && tab < text.length - 1) ids.add(text.slice(tab + 1));
  }
  return ids;
}

/**
 * Scores a prediction run with @aquila/sql-metrics (exact match, and execution where every question's database
 * file is there) and writes the reports beside the predictions: report.html, report.txt, summary.json, items.jsonl.
 * The four appear together once the evaluation is done, or not at all. Returns the summary, the report's text and
 * each question's verdict, in the order of the run's questions.
 */
export async function evaluatePredictions(
  options: EvaluatePredictionsOptions,
): Promise<{ summary: EvaluationSummary; etype: EvaluationType; report: string; items: ItemVerdict[] }> {
  const gold = await runFile(options.output, predictionFiles.gold);
  const pred = await runFile(options.output, predictionFiles.predictions);
  const databaseIds = await goldDatabases(gold, options.signal);
  const databases = options.databases;
  const executable =
    databases !== undefined && [...databaseIds].every((id) => existsSync(join(databases, id, `${id}.sqlite`)));
  const etype: EvaluationType = executable ? 'all' : 'match';
  const items: ItemVerdict[] = [];
  const generator = evaluate({
    gold,
    pred,
    db: databases ?? options.output,
    tables: options.tables,
    etype,
    ...(executable ? {} : { schemaSource: 'tables' as const, checkRuns: false }),
    ...(options.workers === undefined ? {} : { workers: options.workers }),
    ...(options.badLines === undefined ? {} : { badLines: options.badLines }),
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
  await writeFilesTogether({
    files: [
      { path: join(options.output, reportFiles.text), data: report },
      { path: join(options.output, reportFiles.html), data: htmlReport({ summary, items }) },
      { path: join(options.output, reportFiles.summary), data: `${JSON.stringify(summary, null, 2)}\n` },
      {
        path: join(options.output, reportFiles.items),
        data: [...items.map(officialItemLine), officialSummaryLine(summary)].map((line) => `${line}\n`).join(''),
      },
    ],
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  return { summary, etype, report, items };
}
