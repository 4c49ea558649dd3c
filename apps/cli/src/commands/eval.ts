import type { EvaluationSummary, EvaluationType, ItemVerdict } from '@aquila/sql-metrics';
import type { Command } from 'commander';
import * as v from 'valibot';
import { addSkipBadLinesFlag, reportSkippedLines } from '../bad-lines-flag.js';
import { choiceFlag, numberFlag } from '../flag-parser.js';
import type { CommandContext } from '../program.js';
import { createProgress } from '../progress.js';
import { addBirdEvalOptions, type BirdEvalOptions, checkBenchmarkFlags, runBirdEvaluation } from './eval-bird.js';
import { checkReportPaths } from './eval-report-paths.js';

interface EvalOptions {
  gold: string;
  pred: string;
  db?: string;
  tables?: string;
  benchmark?: 'spider' | 'cspider' | 'bird';
  etype?: EvaluationType;
  perItem?: string;
  json?: string;
  html?: string;
  plugValue?: boolean;
  keepDistinct?: boolean;
  raw?: boolean;
  fixed?: boolean;
  workers?: number;
  timeout?: number;
  engine?: 'auto' | 'sql.js';
  skipBadLines?: boolean;
}

const parseEtype = choiceFlag(['all', 'match', 'exec'] satisfies EvaluationType[], 'use all, match or exec.');
const parseEngine = choiceFlag(['auto', 'sql.js'], 'use auto or sql.js.');
const parseBenchmark = choiceFlag(['spider', 'cspider', 'bird'], 'use spider, cspider or bird.');
const parsePositive = numberFlag('use a number > 0.', v.gtValue(0));

/** Runs one evaluation with a progress display and writes the reports asked for; returns the summary. */
async function runEvaluation(
  options: EvalOptions & { tables: string },
  context: CommandContext,
): Promise<EvaluationSummary> {
  const { evaluate, formatReport, formatReportExtras, htmlReport, officialItemLine, officialSummaryLine } =
    await import('@aquila/sql-metrics');
  const { BadLinePolicy, writeFileAtomic } = await import('@aquila/files');
  // Reports are written after the whole run: check where they go before it starts.
  await checkReportPaths(options, [
    { path: options.gold, label: '--gold' },
    { path: options.pred, label: '--pred' },
    { path: options.tables, label: '--tables' },
    { path: options.db, label: '--db' },
  ]);
  const badLines = new BadLinePolicy({ skip: options.skipBadLines === true });
  const progress = createProgress({ label: 'eval', unit: 'questions', stream: context.stderr });
  const items: ItemVerdict[] = [];
  // Without a database folder (CSpider's questions run on Spider's databases) only exact match can be scored.
  const etype = options.etype ?? (options.db === undefined ? 'match' : 'all');
  if (options.db === undefined && options.etype === undefined)
    context.stderr.write('exact match only: no --db (give the database folder for execution accuracy)\n');
  const generator = evaluate({
    gold: options.gold,
    pred: options.pred,
    ...(options.db === undefined ? {} : { db: options.db }),
    tables: options.tables,
    etype,
    plugValue: options.plugValue === true,
    keepDistinct: options.keepDistinct === true,
    raw: options.raw === true,
    fixed: options.fixed === true,
    ...(options.workers === undefined ? {} : { workers: options.workers }),
    ...(options.timeout === undefined ? {} : { timeoutMs: options.timeout * 1000 }),
    ...(options.engine === undefined ? {} : { engine: options.engine }),
    badLines,
    onProgress: ({ done, total }) => progress.update(done, total),
  });
  let step = await generator.next();
  while (step.done !== true) {
    items.push(step.value);
    step = await generator.next();
  }
  progress.finish();
  const summary = step.value;
  if (options.perItem !== undefined)
    await writeFileAtomic({
      path: options.perItem,
      data: [...items.map(officialItemLine), officialSummaryLine(summary)].map((line) => `${line}\n`).join(''),
    });
  if (options.json !== undefined)
    await writeFileAtomic({ path: options.json, data: `${JSON.stringify(summary, null, 2)}\n` });
  if (options.html !== undefined) await writeFileAtomic({ path: options.html, data: htmlReport({ summary, items }) });
  reportSkippedLines(badLines, context);
  context.stdout.write(formatReport({ summary }));
  context.stdout.write(`\n${formatReportExtras({ summary })}`);
  return summary;
}

/**
 * `aquila eval --gold FILE --pred FILE [--db DIR] --tables FILE [--etype all|match|exec] [--per-item FILE]
 * [--json FILE] [--html FILE] [--plug-value] [--keep-distinct] [--raw] [--fixed]`: Spider/CSpider verdicts;
 * without --db exact match only. `--benchmark bird` runs BIRD's instead (eval-bird.ts).
 */
export function registerEvalCommand(program: Command, context: CommandContext): void {
  const command = program
    .command('eval')
    .description(
      'score text-to-SQL predictions with the official verdicts: Spider/CSpider (exact match, execution, test-suite) or BIRD (EX, Soft-F1, R-VES)',
    )
    .requiredOption('--gold <file>', 'gold file, SQL<TAB>db_id a line')
    .requiredOption('--pred <file>', 'predictions, one SQL a line (with --raw: raw model outputs)')
    .option(
      '--db <dir>',
      "database folder: <db_id>/<db_id>.sqlite (several .sqlite files: test-suite accuracy; CSpider: Spider's databases); without it, exact match only",
    )
    .option(
      '--benchmark <name>',
      'spider (default), cspider or bird (BIRD: the official EX, Soft-F1 and R-VES)',
      parseBenchmark,
    )
    .option(
      '--tables <file>',
      "Spider's tables.json (foreign keys; the schema where there is no .sqlite); Spider and CSpider need it",
    )
    .option('--etype <type>', 'all, match or exec (default all with --db, match without; exec needs --db)', parseEtype)
    .option('--per-item <file>', 'write the per-item JSONL (the official fields)')
    .option('--json <file>', 'write the summary as JSON')
    .option('--html <file>', 'write an HTML report with charts and the failures')
    .option('--plug-value', "also try the gold's values in the prediction (upstream --plug_value)")
    .option('--keep-distinct', 'keep DISTINCT when executing (upstream --keep_distinct)')
    .option('--raw', 'the prediction file holds raw model outputs (JSON or text a line): extract the SQL first')
    .option('--fixed', 'also report the verdicts with the upstream bugs fixed, beside the official ones')
    .option('--workers <n>', 'execution worker threads', parsePositive)
    .option('--timeout <seconds>', 'per-query timeout (default 30)', parsePositive)
    .option('--engine <engine>', 'auto (native SQLite where provably the same as sql.js) or sql.js', parseEngine);
  addSkipBadLinesFlag(addBirdEvalOptions(command)).action(async (options: EvalOptions & BirdEvalOptions) => {
    checkBenchmarkFlags(options, options.benchmark ?? 'spider');
    if (options.benchmark === 'bird') return runBirdEvaluation(options, context);
    await runEvaluation({ ...options, tables: options.tables as string }, context);
  });
}
