import { readFile } from 'node:fs/promises';
import { birdMiniDevDirectory } from '@aquila/test-kit';
import { describe, expect, it } from 'vitest';
import { readBirdSchemas } from './bird-prompt.js';
import { buildSqlPrompt, customTemplate } from './build-sql-prompt.js';
import { BenchmarkInputError, TextToSqlOptionsError } from './errors.js';
import { readBenchmark } from './read-benchmark.js';

const questions = `${birdMiniDevDirectory}mini_dev_sqlite.json`;
const tables = `${birdMiniDevDirectory}dev_tables.json`;
const databases = `${birdMiniDevDirectory}databases-synthetic`;

// The prompts that bird-bench/mini_dev's own functions (llm/src/prompt.py @ 8c7df91 `generate_combined_prompts_one`
// with table_schema.py @ f9d2750, SQLite, evidence as knowledge, `num_rows` as given) print for these questions on
// the fixture's synthetic databases, run with Python 3.11.
interface ExpectedPrompt {
  i: number;
  sample_rows: number | null;
  prompt: string;
}
const expected = async (): Promise<ExpectedPrompt[]> =>
  JSON.parse(
    await readFile(new URL('./test-support/bird-prompts.mini-dev.json', import.meta.url), 'utf8'),
  ) as ExpectedPrompt[];

describe('BIRD questions and prompts', () => {
  it('reads the questions as a JSON array and as JSON Lines alike, with evidence and difficulty', async () => {
    const array = await readBenchmark({ questions, tables, benchmark: 'bird' });
    const lines = await readBenchmark({
      questions: `${birdMiniDevDirectory}mini_dev_sqlite.jsonl`,
      tables,
      benchmark: 'bird',
    });
    expect(lines.questions).toEqual(array.questions);
    expect(array.questions.length).toBe(500);
    expect(array.questions[0]).toMatchObject({
      id: 0,
      databaseId: 'debit_card_specializing',
      question: 'What is the ratio of customers who pay in EUR against customers who pay in CZK?',
      evidence: expect.stringContaining('ratio of customers who pay in EUR'),
      difficulty: 'simple',
      query: expect.stringMatching(/^SELECT CAST\(SUM\(IIF\(Currency = 'EUR'/),
    });
    expect(array.schemas.size).toBe(11);
  });

  it("builds mini_dev's prompts character for character, with and without example rows", async () => {
    const { questions: all } = await readBenchmark({ questions, tables, benchmark: 'bird' });
    const cases = await expected();
    expect(cases.some((item) => item.sample_rows !== null && all[item.i]?.databaseId === 'financial')).toBe(true);
    // One read per example-row count, of all the databases it needs.
    const counts = [...new Set(cases.map((item) => item.sample_rows))];
    const read = new Map(
      await Promise.all(
        counts.map(
          async (count) =>
            [
              count,
              await readBirdSchemas({
                databases,
                ids: cases.filter((item) => item.sample_rows === count).map((item) => all[item.i]!.databaseId),
                ...(count === null ? {} : { sampleRows: count }),
              }),
            ] as const,
        ),
      ),
    );
    for (const item of cases) {
      const question = all[item.i]!;
      const schemas = read.get(item.sample_rows)!;
      const prompt = buildSqlPrompt({
        question: question.question,
        evidence: question.evidence!,
        template: 'bird',
        schema: {
          name: question.databaseId,
          tables: [],
          relations: [],
          databaseDdl: schemas.get(question.databaseId)!,
        },
      });
      expect(prompt).toBe(item.prompt);
    }
  });

  it('offers {evidence} and the database DDL to custom templates, and says what the bird template is missing', () => {
    const schema = { name: 'club', tables: [{ name: 'member', columns: [{ name: 'id' }] }], relations: [] };
    const template = customTemplate('{ddl}\n-- {evidence}\n-- {question}');
    expect(buildSqlPrompt({ question: 'How many?', evidence: 'many = count', schema, template })).toBe(
      'CREATE TABLE member (id);\n-- many = count\n-- How many?',
    );
    expect(
      buildSqlPrompt({
        question: 'How many?',
        schema: { ...schema, databaseDdl: 'CREATE TABLE member(id)' },
        template,
      }),
    ).toBe('CREATE TABLE member(id)\n-- \n-- How many?');
    expect(() => buildSqlPrompt({ question: 'How many?', schema, template: 'bird' })).toThrow(TextToSqlOptionsError);
  });

  it('names a database the folder lacks', async () => {
    await expect(readBirdSchemas({ databases, ids: ['no_such_db'] })).rejects.toThrow(
      new BenchmarkInputError(
        `--db ${databases} has no no_such_db/no_such_db.sqlite; give BIRD's database folder (dev_databases/, one <db_id>/<db_id>.sqlite each).`,
      ),
    );
  });
});
