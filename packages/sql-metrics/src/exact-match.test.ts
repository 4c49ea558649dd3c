import { readFileSync } from 'node:fs';
import { flagaiDirectory, spiderDirectory } from '@aquila/test-kit';
import { describe, expect, it } from 'vitest';
import { exactMatch, type PartialScore } from './exact-match.js';
import { hardness } from './hardness.js';
import { parseSql } from './parse-sql.js';
import { foreignKeyMap, type SpiderSchema, schemaFromTablesJson, type TablesJsonEntry } from './schema.js';
import { schemaFromSqlite } from './schema-from-sqlite.js';
import { emptySql } from './spider-sql.js';
import { fixtureJsonl, fixtureLines } from './test-support/test-fixtures.js';

interface OfficialItem {
  i: number;
  db_id: string;
  hardness: string;
  exact: number;
  pred_parsed: boolean;
  partial: Record<string, PartialScore>;
}

const spiderTables = JSON.parse(readFileSync(`${spiderDirectory}tables.json`, 'utf8')) as TablesJsonEntry[];
const schemas = new Map<string, SpiderSchema>();

async function spiderSchema(database: string): Promise<SpiderSchema> {
  let schema = schemas.get(database);
  if (schema === undefined) {
    const entry = spiderTables.find((candidate) => candidate.db_id === database);
    if (entry === undefined) throw new Error(`no tables.json entry for ${database}`);
    const directory = database === 'wta_1' ? 'database_match_only' : 'database';
    schema = await schemaFromSqlite({
      path: `${spiderDirectory}${directory}/${database}/${database}.sqlite`,
      foreignKeyMap: foreignKeyMap(entry),
    });
    schemas.set(database, schema);
  }
  return schema;
}

function verdict(pred: string, gold: string, schema: SpiderSchema) {
  const goldSql = parseSql({ sql: gold, schema });
  let predSql = emptySql();
  let parsed = true;
  try {
    predSql = parseSql({ sql: pred.replaceAll('value', '1'), schema });
  } catch {
    parsed = false;
  }
  return {
    hardness: hardness({ sql: goldSql }),
    pred_parsed: parsed,
    ...exactMatch({ pred: predSql, gold: goldSql, schema }),
  };
}

describe('exact set match against the official evaluator', () => {
  it('gives the official verdict, partial scores and hardness on all 1034 Spider dev questions (DIN-SQL)', async () => {
    const gold = fixtureLines(`${spiderDirectory}dev_gold.sql`).map((line) => line.trim().split('\t'));
    const pred = fixtureLines(`${spiderDirectory}predictions/DIN-SQL_GPT4.txt`);
    const official = fixtureJsonl<OfficialItem>(
      `${spiderDirectory}official-per-item/DIN-SQL_GPT4.full-dev.match.jsonl`,
    ).filter((item) => 'i' in item);
    expect(official).toHaveLength(1034);
    const ours = [];
    const expected = [];
    for (const item of official) {
      const [goldSql, database] = gold[item.i] as [string, string];
      const result = verdict((pred[item.i] as string).trim(), goldSql, await spiderSchema(database));
      ours.push({
        i: item.i,
        hardness: result.hardness,
        pred_parsed: result.pred_parsed,
        exact: result.exact,
        partial: result.partial,
      });
      expected.push({
        i: item.i,
        hardness: item.hardness,
        pred_parsed: item.pred_parsed,
        exact: item.exact,
        partial: item.partial,
      });
    }
    expect(ours).toEqual(expected);
    const exact = ours.filter((item) => item.exact === 1).length;
    expect(exact).toBe(621);
  });

  it('gives the official exact-match verdicts on the 22 quirk probes', async () => {
    const gold = fixtureLines(`${spiderDirectory}quirk-probes/gold.sql`).map((line) => line.split('\t'));
    const pred = fixtureLines(`${spiderDirectory}quirk-probes/pred.sql`);
    const official = fixtureJsonl<OfficialItem>(`${spiderDirectory}quirk-probes/verdicts.jsonl`).filter(
      (item) => 'i' in item,
    );
    const ours = [];
    for (const item of official) {
      const [goldSql, database] = gold[item.i] as [string, string];
      const result = verdict((pred[item.i] as string).trim(), goldSql, await spiderSchema(database));
      ours.push({
        i: item.i,
        hardness: result.hardness,
        exact: result.exact,
        pred_parsed: result.pred_parsed,
        partial: result.partial,
      });
    }
    expect(ours).toEqual(
      official.map((item) => ({
        i: item.i,
        hardness: item.hardness,
        exact: item.exact,
        pred_parsed: item.pred_parsed,
        partial: item.partial,
      })),
    );
  });

  it("reproduces FlagAI's CSpider exact match, 652/969, item by item, from tables.json schemas", () => {
    const tables = JSON.parse(
      readFileSync(`${flagaiDirectory}spider/tables_cspider_dev_subset.json`, 'utf8'),
    ) as TablesJsonEntry[];
    const expected = JSON.parse(
      readFileSync(`${flagaiDirectory}generated/cspider_exact_match_expected.json`, 'utf8'),
    ) as {
      items: { index: number; db_id: string; hardness: string; exact: number }[];
    };
    const gold = fixtureLines(`${flagaiDirectory}aquila-sql/evaluation_result/cspider_gold.txt`).map((line) =>
      line.trim().split('\t'),
    );
    const pred = fixtureLines(`${flagaiDirectory}aquila-sql/evaluation_result/cspider_predict.txt`);
    const schemaById = new Map(tables.map((entry) => [entry.db_id, schemaFromTablesJson(entry)]));
    const ours = gold.map(([goldSql, database], index) => {
      const result = verdict(
        (pred[index] as string).trim(),
        goldSql as string,
        schemaById.get(database as string) as SpiderSchema,
      );
      return { index, db_id: database, hardness: result.hardness, exact: result.exact };
    });
    expect(ours).toEqual(expected.items);
    expect(ours.filter((item) => item.exact === 1)).toHaveLength(652);
  });

  it('fixed mode catches the foreign-key false positive and keeps the official verdict elsewhere', async () => {
    const schema = await spiderSchema('student_transcripts_tracking');
    const gold = parseSql({
      sql: 'SELECT first_name FROM Students WHERE current_address_id != permanent_address_id',
      schema,
    });
    const pred = parseSql({
      sql: 'SELECT first_name FROM Students WHERE permanent_address_id != permanent_address_id',
      schema,
    });
    expect(exactMatch({ pred, gold, schema }).exact).toBe(1);
    expect(exactMatch({ pred, gold, schema, mode: 'fixed' }).exact).toBe(0);
    const joined = await spiderSchema('concert_singer');
    const joinGold = parseSql({
      sql: 'SELECT T2.name FROM concert AS T1 JOIN stadium AS T2 ON T1.stadium_id = T2.stadium_id GROUP BY T1.stadium_id',
      schema: joined,
    });
    const joinPred = parseSql({
      sql: 'SELECT T2.name FROM concert AS T1 JOIN stadium AS T2 ON T1.stadium_id = T2.stadium_id GROUP BY T2.stadium_id',
      schema: joined,
    });
    expect(exactMatch({ pred: joinPred, gold: joinGold, schema: joined, mode: 'fixed' }).exact).toBe(1);
  });

  it('fixed mode resolves aliases per INTERSECT/UNION/EXCEPT part', async () => {
    const schema = await spiderSchema('concert_singer');
    const sql = 'SELECT T1.name FROM singer AS T1 UNION SELECT T1.name FROM stadium AS T1';
    expect(() => parseSql({ sql, schema })).not.toThrow();
    const official = parseSql({ sql, schema });
    const fixed = parseSql({ sql, schema, mode: 'fixed' });
    // Upstream's global alias map sends both parts' T1 to the last table aliased T1.
    expect(official.select[1][0]?.[1][1][1]).toBe('__stadium.name__');
    expect(fixed.select[1][0]?.[1][1][1]).toBe('__singer.name__');
    expect(fixed.union?.select[1][0]?.[1][1][1]).toBe('__stadium.name__');
  });
});
