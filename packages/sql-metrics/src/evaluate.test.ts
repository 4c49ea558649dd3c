import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BadLineError, BadLinePolicy } from '@aquila/files';
import { flagaiDirectory, spiderDirectory } from '@aquila/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EvaluationInputError, GoldQueryError } from './errors.js';
import { type evaluate, evaluateAll } from './evaluate.js';
import { formatReport, formatReportExtras, officialItemLine, officialSummaryLine } from './format-report.js';
import { htmlReport } from './html-report.js';
import { fixtureLines } from './test-support/test-fixtures.js';

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
  for (const name of fixtureLines(`${spiderDirectory}dev_gold.sql`).map(
    (line) => line.trim().split('\t')[1] as string,
  )) {
    const source =
      name === 'wta_1' ? `${spiderDirectory}database_match_only/wta_1` : `${spiderDirectory}database/${name}`;
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
    const pred = fixtureLines(`${spiderDirectory}predictions/DIN-SQL_GPT4.txt`).filter((_, index) =>
      indices.has(index),
    );
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
    expect(formatReport({ summary })).toBe(
      officialTable(`${spiderDirectory}official-per-item/DIN-SQL_GPT4.report.no-wta_1.all.txt`),
    );
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
    expect([...items.map(officialItemLine), officialSummaryLine(summary)]).toEqual(
      fixtureLines(`${spiderDirectory}official-per-item/DIN-SQL_GPT4.full-dev.match.jsonl`),
    );
    expect(formatReport({ summary })).toBe(
      officialTable(`${spiderDirectory}official-per-item/DIN-SQL_GPT4.report.full-dev.match.txt`),
    );
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
    expect([...items.map(officialItemLine), officialSummaryLine(summary)]).toEqual(
      fixtureLines(`${spiderDirectory}quirk-probes/verdicts.jsonl`),
    );
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

  it('scores exact match without any database folder, and says that execution needs one', async () => {
    const evaluation = `${flagaiDirectory}aquila-sql/evaluation_result/`;
    const options = {
      gold: `${evaluation}cspider_gold.txt`,
      pred: `${evaluation}cspider_predict.txt`,
      tables: `${flagaiDirectory}spider/tables_cspider_dev_subset.json`,
    };
    const { summary } = await evaluateAll({ ...options, etype: 'match' });
    expect(summary.matched.exact.all).toBe(652);
    for (const etype of ['all', 'exec'] as const)
      await expect(evaluateAll({ ...options, etype })).rejects.toThrow(
        new EvaluationInputError(
          `etype ${etype} runs the queries and needs --db, the folder of <db_id>/<db_id>.sqlite (for CSpider, Spider's databases); without one, score exact match only (--etype match)`,
        ),
      );
  });

  it('reads raw model outputs and reports the extract rate', async () => {
    const gold = fixtureLines(`${spiderDirectory}quirk-probes/gold.sql`).slice(0, 3);
    writeFileSync(join(directory, 'gold3.sql'), `${gold.join('\n')}\n`);
    writeFileSync(
      join(directory, 'raw3.jsonl'),
      [
        JSON.stringify({ result: '```sql\nSELECT name FROM singer\nWHERE age > 20\n```' }),
        JSON.stringify('I do not know.'),
        'SELECT name , age FROM singer',
      ].join('\n'),
    );
    const { items, summary } = await evaluateAll({
      gold: join(directory, 'gold3.sql'),
      pred: join(directory, 'raw3.jsonl'),
      db: `${spiderDirectory}database`,
      tables: `${spiderDirectory}tables.json`,
      raw: true,
      workers: 1,
    });
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
    const goldOk = write(
      'gold-ok.sql',
      'SELECT name FROM singer\tconcert_singer\nSELECT age FROM singer\tconcert_singer\n',
    );
    const predOk = write('pred-ok.sql', '\nSELECT age FROM singer\n\n');
    const run = (options: Partial<Parameters<typeof evaluate>[0]>) =>
      evaluateAll({ gold: goldOk, pred: predOk, db, tables, workers: 1, ...options });

    await expect(run({})).resolves.toMatchObject({ summary: { count: { all: 2 } } });
    await expect(run({ pred: write('pred-short.sql', 'SELECT name FROM singer\n') })).rejects.toThrow(
      EvaluationInputError,
    );
    await expect(
      run({
        gold: write('gold-blank.sql', 'SELECT name FROM singer\tconcert_singer\n\nSELECT 1\tconcert_singer\n'),
        pred: write('pred-3.sql', 'a\nb\nc\n'),
      }),
    ).rejects.toThrow(/gold-blank\.sql:2: blank line/);
    await expect(
      run({ gold: write('gold-notab.sql', 'SELECT name FROM singer\tconcert_singer\nSELECT name FROM singer\n') }),
    ).rejects.toThrow(/gold-notab\.sql:2:/);
    await expect(
      run({
        pred: write(
          'pred-latin1.sql',
          Buffer.from('SELECT name FROM singer\nSELECT name FROM singer WHERE name = "caf\xe9"\n', 'latin1'),
        ),
      }),
    ).rejects.toThrow(/pred-latin1\.sql:2: .*not valid UTF-8/);
    await expect(run({ db: join(directory, 'no-such-folder') })).rejects.toThrow(
      /gold-ok\.sql:1: db_id "concert_singer": .*no-such-folder/,
    );
    // A db_id that tables.json does not know is a bad gold line (skippable), named by file and line.
    await expect(
      run({ gold: write('gold-unknown.sql', 'SELECT 1\tconcert_singer\nSELECT 1\tno_such_db\n') }),
    ).rejects.toThrow(BadLineError);
    await expect(run({ gold: join(directory, 'gold-unknown.sql') })).rejects.toThrow(
      /gold-unknown\.sql:2: db_id "no_such_db" is not in/,
    );
    await expect(
      run({ tables: write('tables-bad.json', '[{"db_id": "x",\n "table_names_original": [}]') }),
    ).rejects.toThrow(/tables-bad\.json:2: tables.json is not valid JSON/);
    await expect(run({ tables: write('tables-shape.json', '[{"db_id": "concert_singer"}]') })).rejects.toThrow(
      /entry 0 is not a Spider schema/,
    );
    await expect(
      run({
        gold: write(
          'gold-unparsed.sql',
          'SELECT name FROM singer\tconcert_singer\nSELECT nonsense FROM singer\tconcert_singer\n',
        ),
      }),
    ).rejects.toThrow(GoldQueryError);
    // A blank prediction line is an empty prediction (upstream would take it for a session break and misalign);
    // no SQL does not run (SQLite would run it without error and return no rows).
    const [first, second] = (await run({})).items;
    expect(first).toMatchObject({ pred: '', pred_parsed: false, exec: 0, pred_runs: false });
    expect(second?.exec).toBe(1);
    // Blank lines at the end are empty predictions where the gold has items for them.
    const trailing = (await run({ pred: write('pred-trailing.sql', 'SELECT age FROM singer\n\n') })).items;
    expect(trailing.map((item) => item.pred)).toEqual(['SELECT age FROM singer', '']);
  });

  it('names the option and the path of an input that is missing or of the wrong kind', async () => {
    const gold = join(directory, 'gold-one.sql');
    const pred = join(directory, 'pred-one.sql');
    writeFileSync(gold, 'SELECT name FROM singer\tconcert_singer\n');
    writeFileSync(pred, 'SELECT name FROM singer\n');
    const options = {
      gold,
      pred,
      db: `${spiderDirectory}database`,
      tables: `${spiderDirectory}tables.json`,
      workers: 1,
    };
    const cases: [Partial<typeof options>, RegExp][] = [
      [{ gold: join(directory, 'no-gold.sql') }, /^--gold .*no-gold\.sql does not exist; check the path$/],
      [{ pred: directory }, /^--pred .*sql-metrics-evaluate-\w+ is a folder, not a file/],
      [{ tables: join(directory, 'no-tables.json') }, /^--tables .*no-tables\.json does not exist/],
      [{ tables: directory }, /^--tables .* is a folder, not a file/],
      [{ db: gold }, /^--db .*gold-one\.sql is a file; give the folder that holds <db_id>\/<db_id>\.sqlite$/],
    ];
    for (const [change, message] of cases) {
      const error = await evaluateAll({ ...options, ...change }).catch((failure: unknown) => failure);
      expect(EvaluationInputError.isInstance(error), String(error)).toBe(true);
      expect((error as Error).message).toMatch(message);
    }
  });

  it('skips bad gold and prediction lines with a policy that skips, dropping their questions and counting them', async () => {
    const tables = `${spiderDirectory}tables.json`;
    const db = `${spiderDirectory}database`;
    const gold = join(directory, 'gold-bad-lines.sql');
    const pred = join(directory, 'pred-bad-lines.sql');
    writeFileSync(
      gold,
      [
        'SELECT name FROM singer\tconcert_singer',
        'SELECT name FROM singer',
        'SELECT 1\tno_such_db',
        'SELECT age FROM singer\tconcert_singer',
        'SELECT count(*) FROM singer\tconcert_singer',
        '',
      ].join('\n'),
    );
    writeFileSync(
      pred,
      Buffer.concat([
        Buffer.from('SELECT name FROM singer\nx\ny\n'),
        Buffer.from([0x53, 0xff, 0x0a]),
        Buffer.from('SELECT count(*) FROM singer\n'),
      ]),
    );
    // By default the first bad line stops the run, naming file and line.
    await expect(evaluateAll({ gold, pred, db, tables, workers: 1 })).rejects.toThrow(
      /gold-bad-lines\.sql:2: expected SQL<TAB>db_id/,
    );
    const badLines = new BadLinePolicy({ skip: true });
    const { items, summary } = await evaluateAll({ gold, pred, db, tables, workers: 1, badLines });
    expect(items.map((item) => [item.i, item.exec])).toEqual([
      [0, 1],
      [4, 1],
    ]);
    expect(summary.count.all).toBe(2);
    expect(badLines.count).toBe(3);
    expect(badLines.first.map(({ source, line }) => `${source.slice(directory.length + 1)}:${line}`)).toEqual([
      'gold-bad-lines.sql:2',
      'gold-bad-lines.sql:3',
      'pred-bad-lines.sql:4',
    ]);
    expect(badLines.describe()).toMatch(/^skipped 3 bad lines \(.*gold-bad-lines\.sql:2 expected SQL<TAB>db_id/);
  });

  it('reads raw outputs that start as JSON only as JSON', async () => {
    const gold = join(directory, 'gold-raw.sql');
    const pred = join(directory, 'raw-bad.jsonl');
    writeFileSync(
      gold,
      'SELECT name FROM singer\tconcert_singer\nSELECT age FROM singer\tconcert_singer\nSELECT count(*) FROM singer\tconcert_singer\n',
    );
    writeFileSync(
      pred,
      [
        JSON.stringify({ result: 'SELECT name FROM singer' }),
        '{"result": "SELECT age FROM',
        JSON.stringify({ score: 1 }),
      ].join('\n'),
    );
    const options = {
      gold,
      pred,
      db: `${spiderDirectory}database`,
      tables: `${spiderDirectory}tables.json`,
      raw: true,
      workers: 1,
    };
    await expect(evaluateAll(options)).rejects.toThrow(/raw-bad\.jsonl:2: starts as JSON but is not valid JSON/);
    const badLines = new BadLinePolicy({ skip: true });
    const { items } = await evaluateAll({ ...options, badLines });
    expect(items.map((item) => [item.i, item.extracted, item.exec])).toEqual([[0, true, 1]]);
    expect(badLines.first.map(({ line, problem }) => `${line} ${problem}`)).toEqual([
      expect.stringMatching(/^2 starts as JSON/),
      expect.stringMatching(/^3 a JSON line must be a string or an object with a string "result"/),
    ]);
  });

  it('scores no SQL as wrong and not runnable, even where the gold returns no rows, in both modes', async () => {
    const none = "SELECT name FROM singer WHERE country = 'Atlantis'";
    const gold = join(directory, 'gold-none.sql');
    const pred = join(directory, 'pred-none.sql');
    writeFileSync(gold, `${Array.from({ length: 6 }, () => `${none}\tconcert_singer`).join('\n')}\n`);
    // Empty, blank, a comment, semicolons, a value-only query that upstream empties: no SQL; then real SQL with no rows.
    writeFileSync(
      pred,
      ['', '   \t', '-- nothing to say', ' ; ;', '/* value */', 'SELECT name FROM singer WHERE age > 1000'].join('\n'),
    );
    const options = {
      gold,
      pred,
      db: `${spiderDirectory}database`,
      tables: `${spiderDirectory}tables.json`,
      workers: 1,
    };
    const { items, summary } = await evaluateAll({ ...options, fixed: true });
    expect(items.map((item) => [item.exec, item.fixed?.exec, item.pred_runs])).toEqual([
      [0, 0, false],
      [0, 0, false],
      [0, 0, false],
      [0, 0, false],
      [0, 0, false],
      [1, 1, true],
    ]);
    expect(items[0]?.reason).toMatch(/^no SQL to run/);
    expect(summary.totals.runs).toBe(1);
    const match = await evaluateAll({ ...options, etype: 'match' });
    expect(match.items.map((item) => item.pred_runs)).toEqual([false, false, false, false, false, true]);
    // On sql.js alone too (the native engine hands what it cannot prove to sql.js).
    const sqlJs = await evaluateAll({ ...options, engine: 'sql.js' });
    expect(sqlJs.items.map((item) => item.exec)).toEqual([0, 0, 0, 0, 0, 1]);
  });

  it('says n/a for the run rate when there are no databases', async () => {
    const evaluation = `${flagaiDirectory}aquila-sql/evaluation_result/`;
    const gold = join(directory, 'cspider-gold3.txt');
    const pred = join(directory, 'cspider-pred3.txt');
    writeFileSync(gold, `${fixtureLines(`${evaluation}cspider_gold.txt`).slice(0, 3).join('\n')}\n`);
    writeFileSync(pred, `${fixtureLines(`${evaluation}cspider_predict.txt`).slice(0, 3).join('\n')}\n`);
    const { summary } = await evaluateAll({
      gold,
      pred,
      db: join(directory, 'no-databases'),
      tables: `${flagaiDirectory}spider/tables_cspider_dev_subset.json`,
      etype: 'match',
    });
    expect(formatReportExtras({ summary })).toContain('runs without error   0/3 = n/a');
  });

  it('scores predictions that once hung or crashed it, and goes on: `""`, a 10 MB string literal, deep nesting', async () => {
    const literal = `'${'x'.repeat(10_000_000)}'`;
    const gold = join(directory, 'gold-hard.sql');
    const pred = join(directory, 'pred-hard.sql');
    writeFileSync(
      gold,
      `${['SELECT count(*) FROM singer', 'SELECT name FROM singer WHERE age > 20', 'SELECT count(*) FROM singer', 'SELECT name FROM singer', 'SELECT count(*) FROM singer'].map((sql) => `${sql}\tconcert_singer`).join('\n')}\n`,
    );
    writeFileSync(
      pred,
      `${[
        'SELECT""FROM singer',
        `SELECT name FROM singer WHERE name = ${literal}`,
        `SELECT count(*) FROM singer WHERE name != ${literal}`,
        `${'SELECT name FROM singer WHERE age IN ('.repeat(3000)}SELECT age FROM singer${')'.repeat(3000)}`,
        'SELECT count(*) FROM singer',
      ].join('\n')}\n`,
    );
    const { items } = await evaluateAll({
      gold,
      pred,
      db: `${spiderDirectory}database`,
      tables: `${spiderDirectory}tables.json`,
      workers: 1,
      plugValue: true,
      fixed: true,
      timeoutMs: 20_000,
    });
    expect(items.map((item) => [item.exec, item.exact])).toEqual([
      [0, 0],
      [0, 0],
      [1, 0],
      [0, 0],
      [1, 1],
    ]);
    // Nested past the parser's limit: not parsed; SQLite refuses it too (its parser stack).
    expect(items[3]?.pred_parsed).toBe(false);
    expect(items[3]?.reason).toMatch(/too deep|stack|depth/i);
  }, 120_000);
});
