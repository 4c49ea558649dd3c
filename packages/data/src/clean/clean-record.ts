import type { DatasetRecord } from '../sources/dataset-record.js';

const wrappingQuotes: Record<string, string> = { '"': '"', "'": "'", '“': '”', '‘': '’' };

/** Trims, collapses whitespace runs to one space, and drops quotes wrapping the whole question. */
export function cleanQuestion(question: string): string {
  let text = question.replace(/\s+/g, ' ').trim();
  const close = wrappingQuotes[text[0] ?? ''];
  if (close !== undefined && text.length >= 2 && text.endsWith(close) && !text.slice(1, -1).includes(close))
    text = text.slice(1, -1).trim();
  return text;
}

/** Collapses whitespace outside quoted literals and identifiers, and strips trailing semicolons. */
export function cleanSql(sql: string): string {
  let result = '';
  let quote = '';
  let pendingSpace = false;
  for (let index = 0; index < sql.length; index++) {
    const character = sql[index]!;
    if (quote !== '') {
      result += character;
      if (character === quote) quote = '';
      continue;
    }
    if (character <= ' ' || character === '\u00a0' || character === '\u3000') {
      pendingSpace = result !== '';
      continue;
    }
    if (pendingSpace) result += ' ';
    pendingSpace = false;
    if (character === "'" || character === '"' || character === '`') quote = character;
    result += character;
  }
  return result.replace(/[\s;]+$/, '');
}

/** The record with question, SQL and schema cleaned; records whose task is not text-to-SQL only get their text trimmed. */
export function cleanRecord(record: DatasetRecord): DatasetRecord {
  if (record.task !== 'text-to-sql') return { ...record, text: record.text?.trim() ?? '' };
  return {
    ...record,
    question: cleanQuestion(record.question),
    sql: cleanSql(record.sql),
    schema: record.schema.trim(),
  };
}

/** Whether a licence id forbids commercial use (Creative Commons `-nc` variants). */
export function isNonCommercialLicence(licence: string): boolean {
  return /(^|-)nc(-|$)/i.test(licence);
}
