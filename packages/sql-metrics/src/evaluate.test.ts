import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EvaluationInputError, GoldQueryError, SchemaError } from './errors.js';
import { evaluate, evaluateAll } from './evaluate.js';
import { formatReport, officialItemLine, officialSummaryLine } from './format-report.js';
import { htmlReport } from './html-report.js';
import { fixtureLines, flagaiDirectory, spiderDirectory } from './internal/test-fixtures.js';

// The official report's table: from the header row to the end.
function officialTable(path: string): string {
  const text = readFileSync(path, 'utf8');
  return text.slice(text.indexOf(`${' '.repeat(21)}easy`));
}

let directory: string;
let allDatabases: string;

beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), 'sql-metrics-evaluate-'));
  // All 20 dev databases in one folder: wta_1 from database_match_only, as the official match run had it.
  allDatabases = join(directory, 'database');
  mkdirSync(allDatabases);
  for (const name of fixtureLines(`${spiderDirectory}dev_gold.sql`).map((line) => line.trim().split('\t')[1] as string)) {
    const source = name === 'wta_1' ? `${spiderDirectory}database_match_only/wta_1` : `${spiderDirectory}database/${name}`;
    try {
      symlinkSync(source, join(allDatabases, name));
    } catch {
      // Already linked.
    }
  }
});

afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('evaluate', () => {
  it('reproduces the official per-item JSONL and report for exec+match on the 972 questions with databases', async () => {
    const indices = new Set(fixtureLines(`${spiderDirectory}no-wta_1-indices.txt`).map(Number));
    const gold = fixtureLines(`${spiderDirectory}dev_gold.sql`).filter((_, index) => indices.has(index));
    const pred = fixtureLines(`${spiderDirectory}predictions/DIN-SQL_GPT4.txt`).filter((_, index) => indices.has(index));
    writeFileSync(join(directory, 'gold972.sql'), `${gold.join('\n')}\n`);
    writeFileSync(join(directory, 'pred972.sql'), `${pred.join('\n')}\n`);
    let progress = 0;
    const { items, summary } = await evaluateAll({
      gold: join(directory, 'gold972.sql'),
      pred: join(directory, 'pred972.sql'),
      db: `${spiderDirectory}database`,
      tables: `${spiderDirectory}tables.json`,
      workers: 2,
      onProgress: ({ done }) => (progress = done),
    });
    expect(progress).toBe(972);
    const ours = [...items.map(officialItemLine), officialSummaryLine(summary)];
    expect(ours).toEqual(fixtureLines(`${spiderDirectory}official-per-item/DIN-SQL_GPT4.no-wta_1.all.jsonl`));
    expect(formatReport({ summary })).toBe(officialTable(`${spiderDirectory}official-per-item/DIN-SQL_GPT4.report.no-wta_1.all.txt`));
  });

  it('reproduces the official per-item JSONL and report for match on all 1034 questions', async () => {
    const { items, summary } = await evaluateAll({
      gold: `${spiderDirectory}dev_gold.sql`,
      pred: `${spiderDirectory}predictions/DIN-SQL_GPT4.txt`,
      db: allDatabases,
      tables: `${spiderDirectory}tables.json`,
      etype: 'match',
      workers: 2,
    });
    expect([...items.map(officialItemLine), officialSummaryLine(summary)]).toEqual(fixtureLines(`${spiderDirectory}official-per-item/DIN-SQL_GPT4.full-dev.match.jsonl`));
    expect(formatReport({ summary })).toBe(officialTable(`${spiderDirectory}official-per-item/DIN-SQL_GPT4.report.full-dev.match.txt`));
    const html = htmlReport({ summary, items });
    expect(html).toContain('<svg');
    expect(html.match(/<tr data-hardness=/g)).toHaveLength(1034 - 621);
  });

  it('reproduces the quirk probes report, and reports the fixed mode beside it', async () => {
    const { items, summary } = await evaluateAll({
      gold: `${spiderDirectory}quirk-probes/gold.sql`,
      pred: `${spiderDirectory}quirk-probes/pred.sql`,
      db: `${spiderDirectory}database`,
      tables: `${spiderDirectory}tables.json`,
      fixed: true,
      workers: 1,
      // sql.js alone here; the 972 questions above run natively wherever that is provably the same.
      engine: 'sql.js',
    });
    expect([...items.map(officialItemLine), officialSummaryLine(summary)]).toEqual(fixtureLines(`${spiderDirectory}quirk-probes/verdicts.jsonl`));
    expect(formatReport({ summary })).toBe(officialTable(`${spiderDirectory}quirk-probes/official-report.txt`));
    // fk_map_false_pos (9) stops matching once fixed, nested_select_order (18) starts (DISTINCT dropped inside
    // the subquery too); value_word_replaced (17) keeps its 'value'.
    expect(items[9]?.fixed?.exact).toBe(0);
    expect(items[17]?.fixed).toEqual({ exact: 1, exec: 0 });
    expect(items.filter((item) => item.fixed?.exact !== item.exact).map((item) => item.i)).toEqual([9, 18]);
  });

  it("scores FlagAI's CSpider predictions from tables.json alone (no databases): 652/969", async () => {
    const evaluation = `${flagaiDirectory}aquila-sql/evaluation_result/`;
    const { items, summary } = await evaluateAll({
      gold: `${evaluation}cspider_gold.txt`,
      pred: `${evaluation}cspider_predict.txt`,
      db: join(directory, 'no-databases'),
      tables: `${flagaiDirectory}spider/tables_cspider_dev_subset.json`,
      etype: 'match',
    });
    expect(summary.matched.exact).toEqual({ easy: 186, medium: 320, hard: 82, extra: 64, all: 652 });
    expect(items.every((item) => !item.pred_runs)).toBe(true);
  });

  it('reads raw model outputs and reports the extract rate', async () => {
    const gold = fixtureLines(`${spiderDirectory}quirk-probes/gold.sql`).slice(0, 3);
    writeFileSync(join(directory, 'gold3.sql'), `${gold.join('\n')}\n`);
    writeFileSync(join(directory, 'raw3.jsonl'), [JSON.stringify({ result: '```sql\nSELECT name FROM singer\nWHERE age > 20\n```' }), JSON.stringify('I do not know.'), 'SELECT name , age FROM singer'].join('\n'));
    const { items, summary } = await evaluateAll({ gold: join(directory, 'gold3.sql'), pred: join(directory, 'raw3.jsonl'), db: `${spiderDirectory}database`, tables: `${spiderDirectory}tables.json`, raw: true, workers: 1 });
    expect(items.map((item) => [item.extracted, item.exact, item.exec])).toEqual([
      [true, 1, 0],
      [false, 0, 0],
      [true, 1, 1],
    ]);
    expect(summary.totals.extracted).toBe(2);
  });

  it('rejects bad input with typed errors that name the file and line', async () => {
    const tables = `${spiderDirectory}tables.json`;
    const db = `${spiderDirectory}database`;
    const write = (name: string, content: string | Buffer): string => {
      const path = join(directory, name);
      writeFileSync(path, content);
      return path;
    };
    const goldOk = write('gold-ok.sql', 'SELECT name FROM singer\tconcert_singer\nSELECT age FROM singer\tconcert_singer\n');
    const predOk = write('pred-ok.sql', '\nSELECT age FROM singer\n\n');
    const run = (options: Partial<Parameters<typeof evaluate>[0]>) => evaluateAll({ gold: goldOk, pred: predOk, db, tables, workers: 1, ...options });

    await expect(run({})).resolves.toMatchObject({ summary: { count: { all: 2 } } });
    await expect(run({ pred: write('pred-short.sql', 'SELECT name FROM singer\n') })).rejects.toThrow(EvaluationInputError);
    await expect(run({ gold: write('gold-blank.sql', 'SELECT name FROM singer\tconcert_singer\n\nSELECT 1\tconcert_singer\n'), pred: write('pred-3.sql', 'a\nb\nc\n') })).rejects.toThrow(/gold-blank\.sql:2: blank line/);
    await expect(run({ gold: write('gold-notab.sql', 'SELECT name FROM singer\tconcert_singer\nSELECT name FROM singer\n') })).rejects.toThrow(/gold-notab\.sql:2:/);
    await expect(run({ pred: write('pred-latin1.sql', Buffer.from('SELECT name FROM singer\nSELECT name FROM singer WHERE name = "caf\xe9"\n', 'latin1')) })).rejects.toThrow(/pred-latin1\.sql:2: .*not valid UTF-8/);
    await expect(run({ db: join(directory, 'no-such-folder') })).rejects.toThrow(/gold-ok\.sql:1: db_id "concert_singer": .*no-such-folder/);
    await expect(run({ gold: write('gold-unknown.sql', 'SELECT 1\tconcert_singer\nSELECT 1\tno_such_db\n') })).rejects.toThrow(SchemaError);
    await expect(run({ tables: write('tables-bad.json', '[{"db_id": "x",\n "table_names_original": [}]') })).rejects.toThrow(/tables-bad\.json:2: tables.json is not valid JSON/);
    await expect(run({ tables: write('tables-shape.json', '[{"db_id": "concert_singer"}]') })).rejects.toThrow(/entry 0 is not a Spider schema/);
    await expect(run({ gold: write('gold-unparsed.sql', 'SELECT name FROM singer\tconcert_singer\nSELECT nonsense FROM singer\tconcert_singer\n') })).rejects.toThrow(GoldQueryError);
    // A blank prediction line is an empty prediction (upstream would take it for a session break and misalign).
    const [first, second] = (await run({})).items;
    expect(first).toMatchObject({ pred: '', pred_parsed: false, exec: 0, pred_runs: true });
    expect(second?.exec).toBe(1);
    // Blank lines at the end are empty predictions where the gold has items for them.
    const trailing = (await run({ pred: write('pred-trailing.sql', 'SELECT age FROM singer\n\n') })).items;
    expect(trailing.map((item) => item.pred)).toEqual(['SELECT age FROM singer', '']);
  });
});
