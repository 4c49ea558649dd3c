import type { BirdItemVerdict, BirdMetric } from '@aquila/sql-metrics';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import * as v from 'valibot';
import { numberFlag } from '../flag-parser.js';
import type { CommandContext } from '../program.js';
import { createProgress } from '../progress.js';
import { checkReportPaths } from './eval-report-paths.js';

/** The flags `aquila eval --benchmark bird` reads (the shared ones are eval's). */
export interface BirdEvalOptions {
  gold: string;
  pred: string;
  db?: string;
  questions?: string;
  metric?: BirdMetric[];
  strict?: boolean;
  vesIterations?: number;
  vesRuns?: number;
  perItem?: string;
  json?: string;
  html?: string;
  workers?: number;
  timeout?: number;
  engine?: 'auto' | 'sql.js';
}

const metricNames = ['ex', 'soft-f1', 'r-ves'] as const;

// `--metric ex,soft-f1`: a comma-separated list of BIRD's metrics, each once.
function parseMetrics(text: string): BirdMetric[] {
  const names = text.split(',').map((name) => name.trim());
  for (const name of names)
    if (!(metricNames as readonly string[]).includes(name))
      throw new InvalidArgumentError(`use a comma-separated list of ${metricNames.join(', ')}.`);
  return [...new Set(names)] as BirdMetric[];
}

const parseCount = numberFlag('use a whole number > 0.', v.integer(), v.gtValue(0));

/** Adds the BIRD-only flags to `aquila eval`. */
export function addBirdEvalOptions(command: Command): Command {
  return command
    .option('--questions <file>', 'BIRD: the questions with their difficulty (JSON array or JSON Lines)')
    .option('--metric <list>', 'BIRD: ex, soft-f1, r-ves, comma-separated (default ex,soft-f1)', parseMetrics)
    .option('--strict', "BIRD: also report the strict verdicts (the official rules' known errors fixed)")
    .option('--ves-iterations <n>', 'BIRD R-VES: timed iterations per correct question (default 100)', parseCount)
    .option('--ves-runs <n>', 'BIRD R-VES: whole runs, to report the spread (default 1)', parseCount);
}

// Flags of one benchmark given to the other: a usage error, not a flag silently ignored.
const spiderOnly = {
  tables: '--tables',
  etype: '--etype',
  raw: '--raw',
  fixed: '--fixed',
  plugValue: '--plug-value',
  keepDistinct: '--keep-distinct',
  skipBadLines: '--skip-bad-lines',
};
const birdOnly = {
  questions: '--questions',
  metric: '--metric',
  strict: '--strict',
  vesIterations: '--ves-iterations',
  vesRuns: '--ves-runs',
};

/** Throws a usage error for a flag the chosen benchmark does not read, or for Spider's tables.json missing. */
export function checkBenchmarkFlags(options: object, benchmark: string): void {
  const given = options as Record<string, unknown>;
  const bird = benchmark === 'bird';
  if (!bird && given.tables === undefined)
    throw new InvalidArgumentError("required option '--tables <file>' not specified");
  for (const [key, flag] of Object.entries(bird ? spiderOnly : birdOnly))
    if (given[key] !== undefined)
      throw new InvalidArgumentError(
        bird
          ? `${flag} is for Spider and CSpider; --benchmark bird reads --gold, --pred, --db and the BIRD flags (--strict is its --fixed)`
          : `${flag} is for --benchmark bird`,
      );
}

/**
 * `aquila eval --benchmark bird --gold FILE --pred FILE --db DIR [--questions FILE] [--metric ex,soft-f1,r-ves]
 * [--per-item FILE] [--json FILE] [--html FILE] [--strict]`: the official BIRD scripts' tables, then ours.
 */
export async function runBirdEvaluation(options: BirdEvalOptions, context: CommandContext): Promise<void> {
  const { EvaluationInputError, birdHtmlReport, birdItemLine, evaluateBird, formatBirdReports } = await import(
    '@aquila/sql-metrics'
  );
  const { writeFileAtomic } = await import('@aquila/files');
  if (options.db === undefined)
    throw new EvaluationInputError(
      "--benchmark bird runs the queries and needs --db, the folder of <db_id>/<db_id>.sqlite (BIRD's dev_databases)",
    );
  await checkReportPaths(options, [
    { path: options.gold, label: '--gold' },
    { path: options.pred, label: '--pred' },
    { path: options.db, label: '--db' },
    { path: options.questions, label: '--questions' },
  ]);
  const progress = createProgress({ label: 'eval', unit: 'questions', stream: context.stderr });
  const { items, summary } = await evaluateBird({
    gold: options.gold,
    pred: options.pred,
    db: options.db,
    ...(options.questions === undefined ? {} : { questions: options.questions }),
    ...(options.metric === undefined ? {} : { metrics: options.metric }),
    strict: options.strict === true,
    ...(options.vesIterations === undefined ? {} : { vesIterations: options.vesIterations }),
    ...(options.vesRuns === undefined ? {} : { vesRuns: options.vesRuns }),
    ...(options.workers === undefined ? {} : { workers: options.workers }),
    ...(options.timeout === undefined ? {} : { timeoutMs: options.timeout * 1000 }),
    ...(options.engine === undefined ? {} : { engine: options.engine }),
    onProgress: ({ done, total }) => progress.update(done, total),
  });
  progress.finish();
  if (options.perItem !== undefined)
    await writeFileAtomic({
      path: options.perItem,
      data: items.map((item: BirdItemVerdict) => `${birdItemLine(item)}\n`).join(''),
    });
  if (options.json !== undefined)
    await writeFileAtomic({ path: options.json, data: `${JSON.stringify(summary, null, 2)}\n` });
  if (options.html !== undefined)
    await writeFileAtomic({ path: options.html, data: birdHtmlReport({ summary, items }) });
  context.stdout.write(formatBirdReports(summary));
}
