import { buildAquilaSqlAnswer, buildAquilaSqlPrompt, type FlagAiSftRecord } from '@aquila/prompts';
import type { DatasetRecord } from '../sources/dataset-record.js';

export interface RenderSftOptions {
  /** WikiSQL-shaped records answer with real SQL (default) or WikiSQL's readable form, as FlagAI's sample does. */
  wikiSqlAnswer?: 'sql' | 'human-readable';
}

/** The pretraining document of a record: schema, the question as an SQL comment, then the SQL. */
export function renderPretrainingText(record: DatasetRecord): string {
  if (record.task !== 'text-to-sql') return record.text ?? '';
  const schema = record.schema === '' ? '' : `${record.schema.replace(/;?\s*$/, ';')}\n\n`;
  return `${schema}-- ${record.question}\n${record.sql};`;
}

/** Prompt and answer in FlagAI's templates; undefined for records an SFT set cannot use (no schema, or no question). */
export function renderPromptAndAnswer(
  record: DatasetRecord,
  options: RenderSftOptions = {},
): { prompt: string; answer: string } | undefined {
  if (record.task !== 'text-to-sql' || record.schema === '' || record.question === '') return undefined;
  if (record.table !== undefined) {
    const columns = record.table.columns.map((name, index) => ({ name, type: record.table!.types[index] }));
    const sql =
      options.wikiSqlAnswer === 'human-readable' && record.humanReadableSql !== undefined
        ? record.humanReadableSql
        : record.sql;
    return {
      prompt: buildAquilaSqlPrompt({
        question: record.question,
        schema: [{ name: record.table.name, columns }],
        template: 'wikisql',
      }),
      answer: buildAquilaSqlAnswer({ sql, template: 'wikisql' }),
    };
  }
  return {
    prompt: buildAquilaSqlPrompt({ question: record.question, schema: record.schema }),
    answer: buildAquilaSqlAnswer({ sql: record.sql }),
  };
}

/** The FlagAI SFT line of a rendered prompt and answer. */
export function flagAiSftRecord(record: DatasetRecord, turn: { prompt: string; answer: string }): FlagAiSftRecord {
  return {
    id: `sql_${record.source}`,
    conversations: [
      { from: 'human', value: turn.prompt },
      { from: 'gpt', value: turn.answer },
    ],
    instruction: '',
  };
}

/** A record as FlagAI SFT JSONL (`{"id","conversations":[human, gpt],"instruction":""}`). */
export function renderFlagAiSftRecord(
  record: DatasetRecord,
  options: RenderSftOptions = {},
): FlagAiSftRecord | undefined {
  const turn = renderPromptAndAnswer(record, options);
  return turn === undefined ? undefined : flagAiSftRecord(record, turn);
}

/** A record as TRL prompt/completion JSONL (loss on the completion only). */
export function renderTrlRecord(
  record: DatasetRecord,
  options: RenderSftOptions = {},
): { prompt: string; completion: string } | undefined {
  const turn = renderPromptAndAnswer(record, options);
  return turn === undefined ? undefined : { prompt: turn.prompt, completion: turn.answer };
}
