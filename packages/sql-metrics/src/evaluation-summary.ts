import { type PartialComponent, type PartialScore, partialComponents } from './exact-match.js';
import type { Hardness } from './hardness.js';

/** Which verdicts a run computes, as upstream's `--etype`. */
export type EvaluationType = 'all' | 'match' | 'exec';
export type Level = Hardness | 'all';
export const levels: readonly Level[] = ['easy', 'medium', 'hard', 'extra', 'all'];

/** One question's verdict. The first eight fields are the official per-item fields. */
export interface ItemVerdict {
  i: number;
  db_id: string;
  hardness: Hardness;
  /** The official parser accepted the prediction. */
  pred_parsed: boolean;
  /** Exact set match (absent with etype exec). */
  exact?: 0 | 1;
  partial?: Record<PartialComponent, PartialScore>;
  /** Execution match (absent with etype match). */
  exec?: 0 | 1;
  /** The prediction ran without error on its (first) database. */
  pred_runs: boolean;
  /** The gold and predicted SQL, for reports. */
  gold: string;
  pred: string;
  /** With raw model outputs: whether SQL was found in the output. */
  extracted?: boolean;
  /** Why exec is 0, or why there is no prediction. */
  reason?: string;
  /** The verdicts with upstream's bugs fixed (when asked for). */
  fixed?: { exact?: 0 | 1; exec?: 0 | 1 };
}

interface ComponentTotals {
  acc: number;
  rec: number;
  f1: number;
  accCount: number;
  recCount: number;
}

/** The numbers of a run, as the official report prints them plus the counts behind them. */
export interface EvaluationSummary {
  etype: EvaluationType;
  count: Record<Level, number>;
  /** Exact match accuracy per level (official). */
  exact: Record<Level, number>;
  /** Execution accuracy per level (official). */
  exec: Record<Level, number>;
  partial: Record<Level, Record<PartialComponent, { acc: number; rec: number; f1: number }>>;
  /** How many questions matched, per level. */
  matched: { exact: Record<Level, number>; exec: Record<Level, number> };
  /** The fixed mode's accuracies, beside the official ones (when asked for). */
  fixed?: { exact: Record<Level, number>; exec: Record<Level, number> };
  /**
   * Rates over all questions: SQL found in raw output, parsed by the Spider grammar, ran without error (absent when
   * no prediction was run: there were no database files).
   */
  rates: { extracted?: number; parsed: number; runs?: number };
  /** Counts behind the rates; `executed`: predictions run on a database. */
  totals: { extracted?: number; parsed: number; runs: number; executed: number };
}

function perLevel(value: number): Record<Level, number> {
  return { easy: value, medium: value, hard: value, extra: value, all: value };
}

/** Accumulates item verdicts into the official averages. */
export class SummaryBuilder {
  private readonly count = perLevel(0);
  private readonly exact = perLevel(0);
  private readonly exec = perLevel(0);
  private readonly fixedExact = perLevel(0);
  private readonly fixedExec = perLevel(0);
  private readonly components = Object.fromEntries(
    levels.map((level) => [
      level,
      Object.fromEntries(
        partialComponents.map((component) => [component, { acc: 0, rec: 0, f1: 0, accCount: 0, recCount: 0 }]),
      ),
    ]),
  ) as Record<Level, Record<PartialComponent, ComponentTotals>>;
  private extracted = 0;
  private sawRaw = false;
  private sawFixed = false;
  private parsed = 0;
  private runs = 0;
  private executed = 0;

  constructor(private readonly etype: EvaluationType) {}

  /** Adds one verdict; `executed`: its prediction was run on a database (its `pred_runs` is a finding). */
  add(item: ItemVerdict, executed: boolean): void {
    for (const level of [item.hardness, 'all'] as const) {
      this.count[level] += 1;
      this.exact[level] += item.exact ?? 0;
      this.exec[level] += item.exec ?? 0;
      this.fixedExact[level] += item.fixed?.exact ?? 0;
      this.fixedExec[level] += item.fixed?.exec ?? 0;
      if (item.partial === undefined) continue;
      for (const component of partialComponents) {
        const score = item.partial[component];
        const totals = this.components[level][component];
        if (score.pred_total > 0) {
          totals.acc += score.acc;
          totals.accCount += 1;
        }
        if (score.label_total > 0) {
          totals.rec += score.rec;
          totals.recCount += 1;
        }
        totals.f1 += score.f1;
      }
    }
    if (item.extracted !== undefined) this.sawRaw = true;
    if (item.extracted === true) this.extracted += 1;
    if (item.fixed !== undefined) this.sawFixed = true;
    if (item.pred_parsed) this.parsed += 1;
    if (item.pred_runs) this.runs += 1;
    if (executed) this.executed += 1;
  }

  finish(): EvaluationSummary {
    const ratio = (values: Record<Level, number>): Record<Level, number> =>
      Object.fromEntries(
        levels.map((level) => [level, this.count[level] === 0 ? 0 : values[level] / this.count[level]]),
      ) as Record<Level, number>;
    const partial = Object.fromEntries(
      levels.map((level) => [
        level,
        Object.fromEntries(
          partialComponents.map((component) => {
            const totals = this.components[level][component];
            // Upstream leaves a level without questions at its initial zeros (f1 included).
            if (this.count[level] === 0) return [component, { acc: 0, rec: 0, f1: 0 }];
            const acc = totals.accCount === 0 ? 0 : totals.acc / totals.accCount;
            const rec = totals.recCount === 0 ? 0 : totals.rec / totals.recCount;
            return [component, { acc, rec, f1: acc === 0 && rec === 0 ? 1 : (2 * acc * rec) / (rec + acc) }];
          }),
        ),
      ]),
    ) as EvaluationSummary['partial'];
    const total = this.count.all;
    const rate = (value: number): number => (total === 0 ? 0 : value / total);
    return {
      etype: this.etype,
      count: { ...this.count },
      exact: ratio(this.exact),
      exec: ratio(this.exec),
      partial,
      matched: { exact: { ...this.exact }, exec: { ...this.exec } },
      ...(this.sawFixed ? { fixed: { exact: ratio(this.fixedExact), exec: ratio(this.fixedExec) } } : {}),
      rates: {
        ...(this.sawRaw ? { extracted: rate(this.extracted) } : {}),
        parsed: rate(this.parsed),
        ...(this.executed > 0 ? { runs: rate(this.runs) } : {}),
      },
      totals: {
        ...(this.sawRaw ? { extracted: this.extracted } : {}),
        parsed: this.parsed,
        runs: this.runs,
        executed: this.executed,
      },
    };
  }
}
