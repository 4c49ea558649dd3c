import type { SqlVote } from '@aquila/text-to-sql';
import type { Command } from 'commander';
import { integerFlag } from '../integer-flag.js';
import { addModelFlags, modelOptions, promptTemplate } from '../model-flags.js';
import type { CommandContext } from '../program.js';
import { addSampleFlags, type SampleFlags, sampleOptions } from '../sample-flags.js';

interface SqlFlags extends SampleFlags {
  db: string;
  execute: boolean;
  maxRows: number;
  timeout: number;
  json?: boolean;
  showPrompt?: boolean;
}

const oneLine = (text: string): string => text.replace(/\s+/g, ' ').trim();

/** The candidates of a vote, each with what running it gave, then the groups and the choice. */
function formatVote(vote: SqlVote): string {
  const groupOf = new Map(vote.groups.flatMap((group, index) => group.map((member) => [member, index + 1])));
  const lines = vote.candidates.map(
    (candidate) =>
      `-- candidate ${candidate.index} (seed ${candidate.seed}): ${
        candidate.error === null
          ? `${candidate.rows} row${candidate.rows === 1 ? '' : 's'}, group ${groupOf.get(candidate.index)}`
          : `failed: ${oneLine(candidate.error)}`
      }\n${candidate.extracted ? oneLine(candidate.sql) : '(no SQL)'}\n`,
  );
  const groups = vote.groups.map((group, index) => `${index + 1}: [${group.join(', ')}] (${group.length})`).join('; ');
  const choice =
    vote.winner === null
      ? `every candidate failed: candidate ${vote.chosen} answers`
      : `candidate ${vote.chosen} answers (group ${vote.winner + 1})`;
  return `${lines.join('')}-- groups by ${vote.equality} equality: ${groups === '' ? 'none' : groups}; ${choice}\n\n`;
}

/**
 * `aquila sql (--model DIR | --endpoint URL) --db FILE.sqlite "question"`: the AquilaSQL prompt from the
 * database's schema, the model's SQL (checked), and its rows from a read-only connection as a table. With
 * `--samples N`, N candidates are run and voted by result (each printed, then the groups); with `--repair R`, an
 * answer whose SQL fails goes back to the model with its error.
 */
export function registerSqlCommand(program: Command, context: CommandContext): void {
  const command = addModelFlags(
    program
      .command('sql')
      .description(
        'ask a SQLite database a question: prints the generated SQL (checked) and its result table; --samples N votes by execution, --repair R fixes failing SQL',
      )
      .argument('<question>', 'the question, in any language')
      .requiredOption('--db <file>', 'the SQLite database (read-only)'),
    'greedy',
  );
  addSampleFlags(command)
    .option('--no-execute', 'only generate and check the SQL; do not run it')
    .option('--max-rows <n>', 'most rows shown', integerFlag('row count', 1), 50)
    .option('--timeout <ms>', 'query timeout in milliseconds', integerFlag('timeout', 1), 10_000)
    .option('--show-prompt', 'print the prompt first')
    .option('--json', 'print one JSON object (prompt, text, sql, checks, result; vote, repairs) instead of text')
    .action(async (question: string, flags: SqlFlags) => {
      const { generation, samples, repair } = await sampleOptions(command, flags);
      if (flags.execute === false && (samples > 1 || repair !== undefined))
        command.error(`error: ${samples > 1 ? '--samples' : '--repair'} runs the SQL; drop --no-execute`);
      const { askDatabase, formatResultTable, openModel, SqlDatabase, streamAskDatabase } = await import(
        '@aquila/text-to-sql'
      );
      const { template } = await promptTemplate(flags);
      const database = await SqlDatabase.open({ file: flags.db });
      try {
        const opened = await openModel(modelOptions(flags));
        try {
          const options = {
            model: opened.model,
            database,
            question,
            execute: flags.execute,
            maxRows: flags.maxRows,
            timeoutMs: flags.timeout,
            generation,
            samples,
            ...(flags.voteEquality === undefined ? {} : { voteEquality: flags.voteEquality }),
            ...(repair === undefined ? {} : { repair }),
            ...(template === undefined ? {} : { template }),
          };
          if (flags.json === true) {
            context.stdout.write(`${JSON.stringify(await askDatabase(options))}\n`);
            return;
          }
          let text = '';
          for await (const event of streamAskDatabase(options)) {
            if (event.type === 'text-delta') text += event.text;
            else if (event.type === 'vote') {
              text = event.vote.candidates[event.vote.chosen]?.text ?? '';
              context.stdout.write(formatVote(event.vote));
            } else if (event.type === 'repair') {
              const round = event.repair;
              context.stdout.write(
                `-- repair ${round.round}: ${round.error === null ? `${round.rows} row${round.rows === 1 ? '' : 's'}` : `failed: ${oneLine(round.error)}`}\n${round.extracted ? oneLine(round.sql) : '(no SQL)'}\n\n`,
              );
              if (round.error === null) text = round.text;
            } else if (event.type === 'prompt' && flags.showPrompt === true)
              context.stdout.write(`-- prompt\n${event.prompt}\n\n`);
            else if (event.type === 'sql') {
              if (!event.extracted)
                context.stderr.write(
                  `no SQL in the model output ${JSON.stringify(text.slice(0, 300))}; try --show-prompt, another --preset or --template\n`,
                );
              else
                context.stdout.write(
                  `${event.sql}\n${event.parses ? '' : `-- does not parse in the Spider grammar: ${event.parseError ?? ''}\n`}\n`,
                );
            } else if (event.type === 'result') context.stdout.write(formatResultTable({ result: event }));
            else if (event.type === 'error') context.stderr.write(`the query failed: ${event.message}\n`);
            else if (event.type === 'end')
              context.stderr.write(
                `[${event.finishReason}: ${event.usage.promptTokens} prompt + ${event.usage.completionTokens} completion tokens]\n`,
              );
          }
        } finally {
          await opened.release();
        }
      } finally {
        await database.close();
      }
    });
}
