import type { EvaluationSummary, EvaluationType, ItemVerdict } from '@aquila/sql-metrics';
import type { Command } from 'commander';
import * as v from 'valibot';
import { addSkipBadLinesFlag, reportSkippedLines } from '../bad-lines-flag.js';
import { choiceFlag, numberFlag } from '../flag-parser.js';
import type { CommandContext } from '../program.js';
import { createProgress } from '../progress.js';

interface EvalOptions {
  gold: string;
  pred: string;
  db: string;
  tables: string;
  etype: EvaluationType;
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
const parsePositive = numberFlag('use a number > 0.', v.gtValue(0));

/** Runs one evaluation with a progress display and writes the reports asked for; returns the summary. */
async function runEvaluation(options: EvalOptions, context: CommandContext): Promise<EvaluationSummary> {
  const { evaluate, formatReport, formatReportExtras, htmlReport, officialItemLine, officialSummaryLine } =
    await import('@aquila/sql-metrics');
  const { BadLinePolicy, checkOutputPaths, writeFileAtomic } = await import('@aquila/files');
  // Reports are written after the whole run: check where they go before it starts.
  const outputs = [
    { path: options.perItem, label: '--per-item' },
    { path: options.json, label: '--json' },
    { path: options.html, label: '--html' },
  ].filter((output): output is { path: string; label: string } => output.path !== undefined);
  const inputs = [
    { path: options.gold, label: '--gold' },
    { path: options.pred, label: '--pred' },
    { path: options.tables, label: '--tables' },
    { path: options.db, label: '--db' },
  ];
  await checkOutputPaths({ outputs, inputs });
  const badLines = new BadLinePolicy({ skip: options.skipBadLines === true });
  const progress = createProgress({ label: 'eval', unit: 'questions', stream: context.stderr });
  const items: ItemVerdict[] = [];
  const generator = evaluate({
    gold: options.gold,
    pred: options.pred,
    db: options.db,
    tables: options.tables,
    etype: options.etype,
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
 * `aquila eval --gold FILE --pred FILE --db DIR --tables FILE [--etype all|match|exec] [--per-item FILE]
 * [--json FILE] [--html FILE] [--plug-value] [--keep-distinct] [--raw] [--fixed]`: Spider/CSpider verdicts.
 */
export function registerEvalCommand(program: Command, context: CommandContext): void {
  const command = program
    .command('eval')
    .description('score text-to-SQL predictions with the official Spider verdicts (exact match, execution, test-suite)')
    .requiredOption('--gold <file>', 'gold file, SQL<TAB>db_id a line')
    .requiredOption('--pred <file>', 'predictions, one SQL a line (with --raw: raw model outputs)')
    .requiredOption(
      '--db <dir>',
      'database folder: <db_id>/<db_id>.sqlite (several .sqlite files: test-suite accuracy)',
    )
    .requiredOption('--tables <file>', "Spider's tables.json (foreign keys; the schema where there is no .sqlite)")
    .option('--etype <type>', 'all, match or exec', parseEtype, 'all')
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
  addSkipBadLinesFlag(command).action(async (options: EvalOptions) => {
    await runEvaluation(options, context);
  });
}
