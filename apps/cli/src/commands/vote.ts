import { basename } from 'node:path';
import type { VoteItem, VoteSummary } from '@aquila/sql-metrics';
import { type Command, InvalidArgumentError } from 'commander';
import * as v from 'valibot';
import { choiceFlag, numberFlag } from '../flag-parser.js';
import type { CommandContext } from '../program.js';
import { createProgress } from '../progress.js';

interface VoteOptions {
  gold: string;
  pred: string[];
  db: string;
  benchmark?: 'spider' | 'bird';
  tables?: string;
  equality?: 'spider' | 'bird' | 'exact';
  perItem?: string;
  json?: string;
  out?: string;
  workers?: number;
  timeout?: number;
  engine?: 'auto' | 'sql.js';
}

const parseBenchmark = choiceFlag(['spider', 'bird'], 'use spider or bird.');
const parseEquality = choiceFlag(['spider', 'bird', 'exact'], 'use spider, bird or exact.');
const parseEngine = choiceFlag(['auto', 'sql.js'], 'use auto or sql.js.');
const parsePositive = numberFlag('use a number > 0.', v.gtValue(0));
const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

// The systems' EX beside the vote's, one row each, aligned.
function formatVoteTable(summary: VoteSummary): string {
  const total = summary.questions;
  const rows: [string, string, string][] = [
    ...summary.systems.map(({ pred, ex, correct }, index): [string, string, string] => [
      `${index}: ${basename(pred)}`,
      ex.toFixed(2),
      `${correct}/${total}`,
    ]),
    [
      `vote (${summary.systems.length} systems, ${summary.equality} equality)`,
      summary.vote.ex.toFixed(2),
      `${summary.vote.correct}/${total}`,
    ],
    ['oracle (some system correct)', summary.oracle.toFixed(2), ''],
  ];
  const header: [string, string, string] = ['system', 'EX', 'correct'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)));
  const line = (row: readonly string[]): string =>
    row
      .map((cell, column) =>
        column === 0 ? cell.padEnd(widths[0] as number) : cell.padStart(widths[column] as number),
      )
      .join('  ');
  return `${[line(header), ...rows.map(line)].join('\n')}\n${total} questions, ${summary.executions} queries run, ${summary.cacheHits} answered from the cache, every candidate failed on ${summary.allFailed}; the vote took ${summary.seconds.toFixed(2)} s\n`;
}

// One SQL a line: a line end inside a query would start another answer.
const oneLine = (sql: string): string => sql.replace(/\s*[\r\n]+\s*/g, ' ');

/**
 * `aquila vote --gold FILE --db DIR --pred A --pred B … [--benchmark spider|bird] [--tables FILE] [--per-item FILE]
 * [--json FILE] [--out FILE]`: votes across systems' predictions by execution and scores the chosen answers with the
 * benchmark's official EX beside each system's.
 */
export function registerVoteCommand(program: Command, context: CommandContext): void {
  program
    .command('vote')
    .description(
      "vote across several systems' predictions by execution (largest group of equal results wins) and score the answers with the official EX",
    )
    .requiredOption('--gold <file>', 'gold file, SQL<TAB>db_id a line')
    .requiredOption('--db <dir>', 'database folder: <db_id>/<db_id>.sqlite')
    .requiredOption(
      '--pred <file>',
      "a system's predictions (repeat, in vote order: ties go to the earlier file)",
      collect,
    )
    .option(
      '--benchmark <name>',
      'spider (default; one SQL a line) or bird (the official JSON or one SQL a line)',
      parseBenchmark,
    )
    .option('--tables <file>', "Spider's tables.json (Spider's official EX needs it)")
    .option(
      '--equality <rule>',
      "when results are equal: spider (result_eq, order ignored; Spider's default), bird (sets of rows; BIRD's default) or exact",
      parseEquality,
    )
    .option(
      '--per-item <file>',
      'write each vote as JSONL: i, chosen (the --pred index), groups (sizes, largest first), …',
    )
    .option('--json <file>', 'write the summary as JSON')
    .option('--out <file>', 'write the chosen SQL, one a line (BIRD, a .json path: the official prediction JSON)')
    .option('--workers <n>', 'execution processes', parsePositive)
    .option('--timeout <seconds>', 'per-query timeout (default 30)', parsePositive)
    .option('--engine <engine>', 'auto (native SQLite where provably the same as sql.js) or sql.js', parseEngine)
    .action(async (options: VoteOptions) => {
      const { formatBirdPredictions, voteAcrossFiles } = await import('@aquila/sql-metrics');
      const { checkOutputPaths, writeFileAtomic } = await import('@aquila/files');
      const benchmark = options.benchmark ?? 'spider';
      if (benchmark === 'spider' && options.tables === undefined)
        throw new InvalidArgumentError(
          "required option '--tables <file>' not specified (Spider's official EX needs it)",
        );
      if (benchmark === 'bird' && options.tables !== undefined)
        throw new InvalidArgumentError('--tables is for Spider; --benchmark bird reads --gold, --pred and --db');
      // The reports are written after the whole run: check where they go before it starts.
      await checkOutputPaths({
        outputs: [
          { path: options.perItem, label: '--per-item' },
          { path: options.json, label: '--json' },
          { path: options.out, label: '--out' },
        ].filter((entry): entry is { path: string; label: string } => entry.path !== undefined),
        inputs: [
          { path: options.gold, label: '--gold' },
          ...options.pred.map((path) => ({ path, label: '--pred' })),
          ...(options.tables === undefined ? [] : [{ path: options.tables, label: '--tables' }]),
          { path: options.db, label: '--db' },
        ],
      });
      const progress = createProgress({ label: 'vote', unit: 'questions', stream: context.stderr });
      const { items, summary } = await voteAcrossFiles({
        gold: options.gold,
        preds: options.pred,
        db: options.db,
        benchmark,
        ...(options.tables === undefined ? {} : { tables: options.tables }),
        ...(options.equality === undefined ? {} : { equality: options.equality }),
        ...(options.workers === undefined ? {} : { workers: options.workers }),
        ...(options.timeout === undefined ? {} : { timeoutMs: options.timeout * 1000 }),
        ...(options.engine === undefined ? {} : { engine: options.engine }),
        onProgress: ({ done, total }) => progress.update(done, total),
      });
      progress.finish();
      if (options.out !== undefined)
        await writeFileAtomic({
          path: options.out,
          data:
            benchmark === 'bird' && options.out.endsWith('.json')
              ? formatBirdPredictions(items.map((item: VoteItem) => ({ sql: item.sql, dbId: item.db_id })))
              : items.map((item: VoteItem) => `${oneLine(item.sql)}\n`).join(''),
        });
      if (options.perItem !== undefined)
        await writeFileAtomic({
          path: options.perItem,
          data: items.map((item: VoteItem) => `${JSON.stringify(item)}\n`).join(''),
        });
      if (options.json !== undefined)
        await writeFileAtomic({ path: options.json, data: `${JSON.stringify(summary, null, 2)}\n` });
      context.stdout.write(formatVoteTable(summary));
    });
}
