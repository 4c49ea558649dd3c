import { parseCreateTables } from '../schema/parse-create-tables.js';

/** A column in a prompt: its name, and optionally its type (WikiSQL) or a matched cell value (Spider hints). */
export interface AquilaSqlPromptColumn {
  name: string;
  type?: string;
  /** A value hint shown as `table.column(value)`. */
  value?: string;
}

export interface AquilaSqlPromptTable {
  name: string;
  columns: readonly (string | AquilaSqlPromptColumn)[];
}

export interface AquilaSqlPromptOptions {
  question: string;
  /** CREATE TABLE statements, or the tables themselves. */
  schema: string | readonly AquilaSqlPromptTable[];
  /** Relations as `a.x = b.y`; by default the FOREIGN KEY / REFERENCES clauses of a DDL schema. */
  relations?: readonly string[];
  /** `spider` (FlagAI's Spider/CSpider prompt, several tables) or `wikisql` (one table, columns and types). Default `spider`. */
  template?: 'spider' | 'wikisql';
}

const spiderAnswerPrefix = '根据数据库信息和问题生成如下查询语句:\n```sql\n ';
const wikiSqlAnswerPrefix = '根据数据库信息和问题生成如下查询语句:\n ```sql\n';
const answerSuffix = '\n```\n您可以使用该语句进行查询。';

function tablesOf(schema: AquilaSqlPromptOptions['schema']): { tables: AquilaSqlPromptTable[]; relations: string[] } {
  if (typeof schema !== 'string') return { tables: [...schema], relations: [] };
  const parsed = parseCreateTables(schema);
  return {
    tables: parsed.map((table) => ({
      name: table.name,
      columns: table.columns.map((column) => ({ name: column.name, type: column.type })),
    })),
    relations: parsed.flatMap((table) =>
      table.foreignKeys.map((key) =>
        `${table.name}.${key.column} = ${key.table}.${key.referencedColumn}`.toLowerCase(),
      ),
    ),
  };
}

const column = (value: string | AquilaSqlPromptColumn): AquilaSqlPromptColumn =>
  typeof value === 'string' ? { name: value } : value;

/**
 * The human turn of FlagAI's AquilaSQL SFT data and inference prompts, verbatim. Spider/CSpider:
 * `有多个数据库表，信息如下：\n表名为T，包含的属性为t.a,t.b;…，它们之间的关系为 a.x = b.y\n请为下面的问题编写sql查询语句：\n{q} `
 * (names lower-case, trailing space); WikiSQL: `如果你是一个数据专家，我这里有一个数据表，结构为： {cols}；单位为: {types}\n输出下面问题的sql查询语句：{q}`.
 */
export function buildAquilaSqlPrompt(options: AquilaSqlPromptOptions): string {
  const { tables, relations: parsedRelations } = tablesOf(options.schema);
  if (options.template === 'wikisql') {
    const columns = tables.flatMap((table) => table.columns.map(column));
    const types = columns.map((entry) => entry.type);
    const typed = types.length > 0 && types.every((type) => type !== undefined && type !== '');
    return `如果你是一个数据专家，我这里有一个数据表，结构为： ${columns.map((entry) => entry.name).join('，')}${typed ? `；单位为: ${types.join('，')}` : ''}\n输出下面问题的sql查询语句：${options.question}`;
  }
  const relations = options.relations ?? parsedRelations;
  const described = tables.map((table) => {
    const name = table.name.toLowerCase();
    const columns = table.columns
      .map(column)
      .map((entry) => `${name}.${entry.name.toLowerCase()}${entry.value === undefined ? '' : `(${entry.value})`}`);
    return `表名为${name}，包含的属性为${columns.join(',')}`;
  });
  return `有多个数据库表，信息如下：\n${described.join(';')}，它们之间的关系为${relations.length > 0 ? ` ${relations.join(' , ')}` : ''}\n请为下面的问题编写sql查询语句：\n${options.question} `;
}

/** The gpt turn of FlagAI's AquilaSQL SFT data: the SQL in its fixed, parseable answer template. */
export function buildAquilaSqlAnswer(options: { sql: string; template?: 'spider' | 'wikisql' }): string {
  return `${options.template === 'wikisql' ? wikiSqlAnswerPrefix : spiderAnswerPrefix}${options.sql}${answerSuffix}`;
}
