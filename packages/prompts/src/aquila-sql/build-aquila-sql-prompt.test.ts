import { readFileSync } from 'node:fs';
import { fixturePath } from '@aquila/test-kit';
import { describe, expect, it } from 'vitest';
import { type AquilaSqlPromptColumn, buildAquilaSqlAnswer, buildAquilaSqlPrompt } from './build-aquila-sql-prompt.js';

interface SampleLine {
  id: string;
  conversations: { from: string; value: string }[];
  instruction: string;
}
const sample = readFileSync(
  fixturePath('flagai', 'aquila-sql', 'data', 'sql_generate_from_spider_wikisql_train_weighted_sample.jsonl'),
  'utf8',
)
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line) as SampleLine);

// The inverse of the Spider template, written independently from the builder: the parts a prompt varies in.
function parseSpiderPrompt(prompt: string) {
  const match =
    /^有多个数据库表，信息如下：\n(.*)，它们之间的关系为(.*)\n请为下面的问题编写sql查询语句：\n([\s\S]*) $/.exec(
      prompt,
    );
  if (!match) throw new Error(`not a Spider prompt: ${prompt}`);
  const tables = match[1]!.split(';').map((part) => {
    const [, name, columns] = /^表名为(.+?)，包含的属性为(.*)$/.exec(part)!;
    return {
      name: name!,
      columns: columns!.split(',').map((entry): AquilaSqlPromptColumn => {
        const [, column, value] = /^[^.]+\.([^(]+)(?:\((.*)\))?$/.exec(entry)!;
        return value === undefined ? { name: column! } : { name: column!, value };
      }),
    };
  });
  return { tables, relations: match[2] === '' ? [] : match[2]!.trim().split(' , '), question: match[3]! };
}

describe('FlagAI AquilaSQL templates, against the FlagAI SFT sample', () => {
  const spider = sample.filter((line) => line.id === 'sql_spider');
  const wikisql = sample.filter((line) => line.id === 'sql_wikisql');

  it('rebuilds every Spider prompt character for character from its tables, relations and question', () => {
    expect(spider).toHaveLength(8);
    for (const line of spider) {
      const human = line.conversations[0]!.value;
      const { tables, relations, question } = parseSpiderPrompt(human);
      expect(buildAquilaSqlPrompt({ question, schema: tables, relations })).toBe(human);
    }
  });

  it('rebuilds every Spider answer and the WikiSQL answers of the fixed template', () => {
    for (const line of spider) {
      const answer = line.conversations[1]!.value;
      const sql = /```sql\n (.*)\n```/s.exec(answer)![1]!;
      expect(buildAquilaSqlAnswer({ sql })).toBe(answer);
    }
    const fixed = wikisql.filter((line) =>
      line.conversations[1]!.value.startsWith('根据数据库信息和问题生成如下查询语句'),
    );
    expect(fixed).toHaveLength(5);
    for (const line of fixed) {
      const answer = line.conversations[1]!.value;
      expect(buildAquilaSqlAnswer({ sql: /```sql\n(.*)\n```/s.exec(answer)![1]!, template: 'wikisql' })).toBe(answer);
    }
  });

  it('rebuilds the WikiSQL prompt of the data-expert template', () => {
    const line = wikisql.find((candidate) => candidate.conversations[0]!.value.startsWith('如果你是一个数据专家'))!;
    const human = line.conversations[0]!.value;
    const [, columns, types, question] =
      /^如果你是一个数据专家，我这里有一个数据表，结构为： (.*)；单位为: (.*)\n输出下面问题的sql查询语句：(.*)$/s.exec(
        human,
      )!;
    const typeList = types!.split('，');
    const schema = [
      { name: 'table', columns: columns!.split('，').map((name, index) => ({ name, type: typeList[index]! })) },
    ];
    expect(buildAquilaSqlPrompt({ question: question!, schema, template: 'wikisql' })).toBe(human);
  });

  it('reads tables and foreign keys from DDL', () => {
    const schema =
      'CREATE TABLE Dorm (dormid INTEGER PRIMARY KEY, dorm_name VARCHAR(20)); CREATE TABLE lives_in (stuid INTEGER, dormid INTEGER, FOREIGN KEY (dormid) REFERENCES Dorm(dormid))';
    expect(buildAquilaSqlPrompt({ question: 'How many?', schema })).toBe(
      '有多个数据库表，信息如下：\n表名为dorm，包含的属性为dorm.dormid,dorm.dorm_name;表名为lives_in，包含的属性为lives_in.stuid,lives_in.dormid，它们之间的关系为 lives_in.dormid = dorm.dormid\n请为下面的问题编写sql查询语句：\nHow many? ',
    );
  });
});
