import { describe, expect, it } from 'vitest';
import type { DatasetRecord } from '../sources/dataset-record.js';
import { renderFlagAiSftRecord, renderPretrainingText, renderTrlRecord } from './render-record.js';

describe('record renderers', () => {
  const base: DatasetRecord = {
    id: 'sql-create-context:train:0',
    source: 'sql-create-context',
    split: 'train',
    task: 'text-to-sql',
    question: 'How many heads are older than 56?',
    schema: 'CREATE TABLE head (age INTEGER)',
    sql: 'SELECT COUNT(*) FROM head WHERE age > 56',
    dialect: 'sqlite',
    licence: 'cc-by-4.0',
  };

  it('renders pretraining text, FlagAI SFT and TRL', () => {
    expect(renderPretrainingText(base)).toBe(
      'CREATE TABLE head (age INTEGER);\n\n-- How many heads are older than 56?\nSELECT COUNT(*) FROM head WHERE age > 56;',
    );
    expect(renderFlagAiSftRecord(base)).toEqual({
      id: 'sql_sql-create-context',
      conversations: [
        {
          from: 'human',
          value:
            '有多个数据库表，信息如下：\n表名为head，包含的属性为head.age，它们之间的关系为\n请为下面的问题编写sql查询语句：\nHow many heads are older than 56? ',
        },
        {
          from: 'gpt',
          value:
            '根据数据库信息和问题生成如下查询语句:\n```sql\n SELECT COUNT(*) FROM head WHERE age > 56\n```\n您可以使用该语句进行查询。',
        },
      ],
      instruction: '',
    });
    expect(renderTrlRecord(base)?.completion).toBe(renderFlagAiSftRecord(base)?.conversations[1].value);
    expect(renderTrlRecord({ ...base, schema: '' })).toBeUndefined();
  });

  it('WikiSQL-shaped records use the WikiSQL template, with real or readable SQL', () => {
    const record: DatasetRecord = {
      ...base,
      question: 'Who?',
      table: { name: 't', columns: ['Player', 'No.'], types: ['text', 'real'] },
      sql: 'SELECT "Player" FROM "t"',
      humanReadableSql: 'SELECT Player FROM table',
    };
    const rendered = renderFlagAiSftRecord(record, { wikiSqlAnswer: 'human-readable' })!;
    expect(rendered.conversations[0].value).toBe(
      '如果你是一个数据专家，我这里有一个数据表，结构为： Player，No.；单位为: text，real\n输出下面问题的sql查询语句：Who?',
    );
    expect(rendered.conversations[1].value).toBe(
      '根据数据库信息和问题生成如下查询语句:\n ```sql\nSELECT Player FROM table\n```\n您可以使用该语句进行查询。',
    );
  });
});
