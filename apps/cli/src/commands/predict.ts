import type { Command } from 'commander';
import * as v from 'valibot';
import { addSkipBadLinesFlag, reportSkippedLines } from '../bad-lines-flag.js';
import { choiceFlag, flagParser } from '../flag-parser.js';
import { integerFlag } from '../integer-flag.js';
import { addModelFlags, modelOptions, promptTemplate } from '../model-flags.js';
import type { CommandContext } from '../program.js';
import { createProgress } from '../progress.js';
import { addSampleFlags, type SampleFlags, sampleOptions } from '../sample-flags.js';

interface PredictFlags extends SampleFlags {
  benchmark: 'spider' | 'cspider' | 'bird';
  questions: string;
  tables: string;
  db?: string;
  sampleRows?: number;
  out: string;
  limit?: number;
  ids?: number[];
  concurrency?: number;
  eval?: boolean;
  workers?: number;
  restart?: boolean;
  skipBadLines?: boolean;
  vote?: 'exec';
}

/** One part of `--ids`: an index (`7`) or a range of them (`10-19`), as [first, last]. */
const indexRange = v.pipe(
  v.string(),
  v.regex(/^\d+(?:-\d+)?$/, 'give 0-based question indices: 3,7,10-19.'),
  v.transform((part) => {
    const [first, last = first] = part.split('-').map(Number) as [number, number?];
    return { part, first, last };
  }),
  v.check(
    ({ first, last }) => last >= first,
    (issue) => `range ${(issue.input as { part: string }).part} runs backwards.`,
  ),
);

/** `--ids 0,5,10-19`: the question indices, in the order given. */
const parseIds = flagParser(
  v.pipe(
    v.string(),
    v.transform((value) =>
      value
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean),
    ),
    v.array(indexRange),
    v.transform((ranges) =>
      ranges.flatMap(({ first, last }) => Array.from({ length: last - first + 1 }, (_, offset) => first + offset)),
    ),
    v.nonEmpty('give at least one question index.'),
  ),
);

/**
 * `aquila predict --benchmark spider|cspider|bird --questions FILE --tables tables.json --db DIR (--model DIR |
 * --endpoint URL) --out DIR [--eval]`: prompts from the schemas, generation, extraction, aligned predictions (for
 * BIRD its official prediction JSON), and with --eval the official Spider or BIRD scores and an HTML report beside them.
 * With `--samples N --vote exec [--repair R]`, N candidates per question are voted by execution (and repaired when
 * all fail), every vote in votes.jsonl. Re-running continues or reuses a run.
 */
export function registerPredictCommand(program: Command, context: CommandContext): void {
  const command = addModelFlags(
    program
      .command('predict')
      .description(
        'predict SQL for Spider/CSpider/BIRD questions with a local model or an OpenAI-compatible endpoint (resumable), and score the run with --eval',
      )
      .requiredOption(
        '--benchmark <name>',
        'spider, cspider or bird',
        choiceFlag(['spider', 'cspider', 'bird'], 'use spider or cspider for Spider and CSpider, bird for BIRD.'),
      )
      .requiredOption(
        '--questions <file>',
        'dev.json: [{question, db_id, query}]; BIRD: mini_dev_sqlite.json or dev.json (JSON array or JSON Lines of {question_id, db_id, question, evidence, SQL, difficulty})',
      )
      .requiredOption(
        '--tables <file>',
        "tables.json (Spider's prompts are built from it); BIRD: dev_tables.json (its prompts come from --db)",
      )
      .option(
        '--db <dir>',
        "database folder <db_id>/<db_id>.sqlite: execution accuracy (cspider: Spider's databases; without them exact match only), BIRD's prompts (CREATE statements); required for spider and bird",
      )
      .option(
        '--sample-rows <n>',
        "bird: example rows per table in the prompt (BIRD's num_rows; default none, as mini_dev's runs)",
        integerFlag('count', 1),
      )
      .requiredOption(
        '--out <dir>',
        'run folder: raw_pred.jsonl, predict.txt (bird: predict.json, the official prediction JSON, and questions.jsonl), gold.txt, run.json (and the reports)',
      ),
    'greedy',
  )
    .option('--limit <n>', 'only the first N questions', integerFlag('count', 1))
    .option('--ids <list>', 'only these 0-based question indices, e.g. 0,5,10-19', parseIds)
    .option(
      '--concurrency <n>',
      'questions in flight (local: batched together; endpoint: parallel requests); default 8 local, 4 endpoint',
      integerFlag('count', 1),
    )
    .option(
      '--eval',
      'score the predictions with @aquila/sql-metrics and write report.html beside them (bird: EX and Soft-F1, as aquila eval --benchmark bird)',
    )
    .option(
      '--vote <method>',
      "exec: run each question's candidates (--samples) on its database (--db) and answer with the largest group of equal results; every vote goes to votes.jsonl",
      choiceFlag(['exec'], 'use exec (the vote by execution).'),
    )
    .option('--workers <n>', 'execution worker threads for --eval and --vote', integerFlag('count', 1))
    .option(
      '--restart',
      'discard the earlier run in --out (its own files only) instead of continuing it; needed when the settings changed',
    );
  addSkipBadLinesFlag(addSampleFlags(command)).action(async (flags: PredictFlags) => {
    const { generation, samples, repair, preset } = await sampleOptions(command, flags);
    if (flags.vote === undefined && (samples > 1 || repair !== undefined))
      command.error(
        `error: ${samples > 1 ? `--samples ${samples}` : '--repair'} needs --vote exec (the candidates run on each question's database)`,
      );
    if (flags.vote !== undefined && flags.db === undefined)
      command.error(
        'error: --vote exec runs the candidates on the databases; add --db (the folder of <db_id>/<db_id>.sqlite)',
      );
    const { evaluateBirdRun, evaluatePredictions, openModel, predictBenchmark, TextToSqlOptionsError } = await import(
      '@aquila/text-to-sql'
    );
    if (flags.benchmark === 'spider' && flags.db === undefined)
      throw new TextToSqlOptionsError('--benchmark spider needs --db (the folder of <db_id>/<db_id>.sqlite files).');
    if (flags.benchmark === 'bird' && flags.db === undefined)
      throw new TextToSqlOptionsError(
        "--benchmark bird needs --db, BIRD's database folder (<db_id>/<db_id>.sqlite): its prompts show each database's CREATE statements.",
      );
    if (flags.benchmark !== 'bird' && flags.sampleRows !== undefined)
      throw new TextToSqlOptionsError('--sample-rows is for --benchmark bird (its prompts show example rows).');
    const { template, templateFile } = await promptTemplate(flags);
    const concurrency = flags.concurrency ?? (flags.model !== undefined ? 8 : 4);
    const { BadLinePolicy } = await import('@aquila/files');
    const badLines = new BadLinePolicy({ skip: flags.skipBadLines === true });
    const opened = await openModel(
      modelOptions(flags, flags.model === undefined ? {} : { maxBatchSize: Math.max(concurrency, samples) }),
    );
    const controller = new AbortController();
    const interrupt = (): void =>
      controller.abort(
        new TextToSqlOptionsError('interrupted; run the same command again to continue where it stopped.'),
      );
    process.once('SIGINT', interrupt);
    const progress = createProgress({ label: 'predict', unit: 'questions', stream: context.stderr });
    try {
      const summary = await predictBenchmark({
        benchmark: flags.benchmark,
        questions: flags.questions,
        tables: flags.tables,
        ...((flags.benchmark === 'bird' || flags.vote !== undefined) && flags.db !== undefined
          ? { databases: flags.db }
          : {}),
        ...(flags.sampleRows === undefined ? {} : { sampleRows: flags.sampleRows }),
        model: opened.model,
        modelDescription: opened.description,
        output: flags.out,
        concurrency,
        preset,
        generation,
        ...(flags.vote === undefined
          ? {}
          : {
              vote: flags.vote,
              samples,
              ...(flags.voteEquality === undefined ? {} : { voteEquality: flags.voteEquality }),
              ...(repair === undefined ? {} : { repair }),
              ...(flags.workers === undefined ? {} : { voteWorkers: flags.workers }),
            }),
        ...(template === undefined ? {} : { template, templateFile }),
        ...(flags.limit === undefined ? {} : { limit: flags.limit }),
        ...(flags.ids === undefined ? {} : { ids: flags.ids }),
        // Reused items are not counted, so the rate and the ETA are this run's.
        onProgress: ({ done, total, reused }) => progress.update(done - reused, total - reused),
        restart: flags.restart === true,
        badLines,
        signal: controller.signal,
      });
      progress.finish();
      context.stdout.write(
        `${summary.total} questions: ${summary.extracted} with SQL, ${summary.empty} without (empty prediction lines), ${summary.failed} failed; ${summary.reused} reused, ${summary.generated} generated at ${summary.itemsPerSecond.toFixed(2)} questions/s\n` +
          (flags.vote === undefined
            ? ''
            : `voted by execution over ${samples} sample${samples === 1 ? '' : 's'} each${summary.repaired === undefined || repair === undefined ? '' : `; ${summary.repaired} answer${summary.repaired === 1 ? '' : 's'} repaired`}\n`) +
          `wrote ${[summary.files.predictions, summary.files.gold, summary.files.questions, summary.files.raw, summary.files.votes, summary.files.record].filter((file) => file !== undefined).join(', ')}\n`,
      );
    } finally {
      process.removeListener('SIGINT', interrupt);
      await opened.release();
    }
    if (flags.eval !== true) return;
    const scoring = createProgress({ label: 'eval', unit: 'questions', stream: context.stderr });
    if (flags.benchmark === 'bird' && flags.db !== undefined) {
      // BIRD's official scripts (EX and Soft-F1 by difficulty), as aquila eval --benchmark bird on the run folder.
      const { report } = await evaluateBirdRun({
        output: flags.out,
        databases: flags.db,
        ...(flags.workers === undefined ? {} : { workers: flags.workers }),
        onProgress: ({ done, total }) => scoring.update(done, total),
      });
      scoring.finish();
      context.stdout.write(report);
      reportSkippedLines(badLines, context);
      return;
    }
    const { report, etype } = await evaluatePredictions({
      output: flags.out,
      tables: flags.tables,
      ...(flags.db === undefined ? {} : { databases: flags.db }),
      ...(flags.workers === undefined ? {} : { workers: flags.workers }),
      badLines,
      onProgress: ({ done, total }) => scoring.update(done, total),
    });
    scoring.finish();
    if (etype === 'match')
      context.stdout.write('exact match only: not every question has a database file under --db\n');
    context.stdout.write(report);
    reportSkippedLines(badLines, context);
  });
}
