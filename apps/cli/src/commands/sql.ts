import type { Command } from 'commander';
import { integerFlag } from '../integer-flag.js';
import { addModelFlags, generationSettings, type ModelFlags, modelOptions, promptTemplate } from '../model-flags.js';
import type { CommandContext } from '../program.js';

interface SqlFlags extends ModelFlags {
  db: string;
  execute: boolean;
  maxRows: number;
  timeout: number;
  json?: boolean;
  showPrompt?: boolean;
}

/**
 * `aquila sql (--model DIR | --endpoint URL) --db FILE.sqlite "question"`: the AquilaSQL prompt from the
 * database's schema, the model's SQL (checked), and its rows from a read-only connection as a table.
 */
export function registerSqlCommand(program: Command, context: CommandContext): void {
  addModelFlags(
    program
      .command('sql')
      .description('ask a SQLite database a question: prints the generated SQL (checked) and its result table')
      .argument('<question>', 'the question, in any language')
      .requiredOption('--db <file>', 'the SQLite database (read-only)'),
    'greedy',
  )
    .option('--no-execute', 'only generate and check the SQL; do not run it')
    .option('--max-rows <n>', 'most rows shown', integerFlag('row count', 1), 50)
    .option('--timeout <ms>', 'query timeout in milliseconds', integerFlag('timeout', 1), 10_000)
    .option('--show-prompt', 'print the prompt first')
    .option('--json', 'print one JSON object (prompt, text, sql, checks, result) instead of text')
    .action(async (question: string, flags: SqlFlags) => {
      const { formatResultTable, openModel, SqlDatabase, streamAskDatabase } = await import('@aquila/text-to-sql');
      const { template } = await promptTemplate(flags);
      const database = await SqlDatabase.open({ file: flags.db });
      try {
        const opened = await openModel(modelOptions(flags));
        try {
          const collected: Record<string, unknown> = {};
          let text = '';
          const events = streamAskDatabase({
            model: opened.model,
            database,
            question,
            execute: flags.execute,
            maxRows: flags.maxRows,
            timeoutMs: flags.timeout,
            generation: await generationSettings(flags),
            ...(template === undefined ? {} : { template }),
          });
          for await (const event of events) {
            if (flags.json === true) {
              if (event.type === 'text-delta')
                collected.text = `${(collected.text as string | undefined) ?? ''}${event.text}`;
              else {
                const { type, ...rest } = event;
                if (type === 'prompt' || type === 'sql' || type === 'end') Object.assign(collected, rest);
                else collected[type] = rest;
              }
              continue;
            }
            if (event.type === 'text-delta') text += event.text;
            else if (event.type === 'prompt' && flags.showPrompt === true)
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
          if (flags.json === true) context.stdout.write(`${JSON.stringify(collected)}\n`);
        } finally {
          await opened.release();
        }
      } finally {
        await database.close();
      }
    });
}
