import { GoldQueryError, SqlParseError } from './errors.js';
import type { EvaluationType, ItemVerdict } from './evaluation-summary.js';
import { type ExactMatchResult, exactMatch, partialComponents } from './exact-match.js';
import { officialPrediction } from './execution-match.js';
import { hardness } from './hardness.js';
import { parseSql, parseTokens } from './parse-sql.js';
import type { Question } from './read-inputs.js';
import type { SpiderSchema } from './schema.js';
import { emptySql, type SpiderSql } from './spider-sql.js';
import { tokenizeSql } from './tokenize-sql.js';

type Mode = 'official' | 'fixed';

interface ParsedGold {
  sql: SpiderSql;
  hardness: ItemVerdict['hardness'];
  // Exact match against each distinct parsed prediction (undefined: one that did not parse).
  matches: Map<SpiderSql | undefined, ExactMatchResult>;
}

function tokens(sql: string): string[] | undefined {
  try {
    return tokenizeSql(sql);
  } catch (error) {
    // Unpaired quotes: upstream's tokenizer asserts, the prediction is empty SQL.
    if (SqlParseError.isInstance(error)) return undefined;
    throw error;
  }
}

// A prediction that this code cannot handle scores 0 with the reason; the run goes on.
export function unhandled(what: string, error: unknown): string {
  return `the prediction could not be ${what}: ${(error as Error | undefined)?.message ?? String(error)}`;
}

export interface QuestionMatcherOptions {
  etype: EvaluationType;
  /** Also the fixed-mode exact match. */
  fixed: boolean;
  /** The gold file, named in errors. */
  goldPath: string;
  schemas: ReadonlyMap<string, SpiderSchema>;
}

/**
 * A question's verdict before execution: the gold's hardness, whether the prediction parses, and (unless etype is
 * exec) exact set match and the partial components. Parses and matches are kept for the questions that follow.
 */
export class QuestionMatcher {
  private readonly parsedGold = new Map<string, ParsedGold>();
  // A parse depends on the tokens, the schema and the mode alone: a prediction with the tokens of an earlier query
  // (a third of DIN-SQL's are their gold, spaced or cased differently) reuses its parse, and its exact match.
  private readonly parsedByTokens = new Map<string, SpiderSql | undefined>();

  constructor(private readonly options: QuestionMatcherOptions) {}

  match(question: Question): ItemVerdict {
    const schema = this.options.schemas.get(question.database) as SpiderSchema;
    const gold = this.gold(question, schema);
    const { sql: predSql, failure } = this.parseOrExplain(question, schema, 'official');
    const item: ItemVerdict = {
      i: question.item,
      db_id: question.database,
      hardness: gold.hardness,
      pred_parsed: predSql !== undefined,
      pred_runs: false,
      gold: question.gold,
      pred: question.pred,
      ...(question.extracted === undefined ? {} : { extracted: question.extracted }),
      ...(failure === undefined ? {} : { reason: failure }),
    };
    if (this.options.etype !== 'exec') this.addExactMatch(item, question, schema, gold, predSql);
    return item;
  }

  // Spider repeats each gold query for paraphrased questions: it is parsed once.
  private gold(question: Question, schema: SpiderSchema): ParsedGold {
    const goldKey = `${question.database}\u0000${question.gold}`;
    let gold = this.parsedGold.get(goldKey);
    if (gold !== undefined) return gold;
    try {
      const goldTokens = tokenizeSql(question.gold);
      const sql = parseTokens(goldTokens, schema, 'official');
      if ('rejected' in sql) throw new SqlParseError(sql.rejected);
      gold = { sql, hardness: hardness({ sql }), matches: new Map() };
      this.parsedByTokens.set(`${question.database}\u0000official\u0000${JSON.stringify(goldTokens)}`, sql);
    } catch (error) {
      throw new GoldQueryError(
        `${this.options.goldPath}:${question.line}: the gold query does not parse in the Spider grammar (${(error as Error).message}); upstream crashes here`,
        { cause: error },
      );
    }
    this.parsedGold.set(goldKey, gold);
    return gold;
  }

  private addExactMatch(
    item: ItemVerdict,
    question: Question,
    schema: SpiderSchema,
    gold: ParsedGold,
    predSql: SpiderSql | undefined,
  ): void {
    let match = gold.matches.get(predSql);
    if (match === undefined) {
      match = exactMatch({ pred: predSql ?? emptySql(), gold: gold.sql, schema });
      gold.matches.set(predSql, match);
    }
    item.exact = match.exact;
    // Each item gets its own copy: callers may change what they are given.
    const partial = {} as ExactMatchResult['partial'];
    for (const component of partialComponents) partial[component] = { ...match.partial[component] };
    item.partial = partial;
    if (this.options.fixed) {
      const fixedGold = parseSql({ sql: question.gold, schema, mode: 'fixed' });
      const fixedPred = this.parseOrExplain(question, schema, 'fixed').sql ?? emptySql();
      item.fixed = { exact: exactMatch({ pred: fixedPred, gold: fixedGold, schema, mode: 'fixed' }).exact };
    }
  }

  // A prediction that fails in a way the grammar does not foresee (a bug, a stack too small) is not parsed: the
  // item says why and the run goes on.
  private parseOrExplain(question: Question, schema: SpiderSchema, mode: Mode): { sql?: SpiderSql; failure?: string } {
    try {
      const sql = this.parsePrediction(question.pred, question.database, schema, mode);
      return sql === undefined ? {} : { sql };
    } catch (error) {
      return { failure: unhandled('parsed', error) };
    }
  }

  private parsePrediction(sql: string, database: string, schema: SpiderSchema, mode: Mode): SpiderSql | undefined {
    const list = tokens(officialPrediction(sql, mode));
    if (list === undefined) return undefined;
    const key = `${database}\u0000${mode}\u0000${JSON.stringify(list)}`;
    if (!this.parsedByTokens.has(key)) {
      const parsed = parseTokens(list, schema, mode);
      this.parsedByTokens.set(key, 'rejected' in parsed ? undefined : parsed);
    }
    return this.parsedByTokens.get(key);
  }
}
