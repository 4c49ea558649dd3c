import { executionTask, officialPrediction } from './execution-match.js';
import type { ExecutionPool } from './execution-pool.js';
import type { ExecutionTask, ExecutionVerdict } from './execution-task.js';
import { unhandled } from './question-matcher.js';
import type { Question } from './read-inputs.js';

/** The official execution verdict, and the fixed mode's where it executes differently. */
export type Verdicts = [ExecutionVerdict, ExecutionVerdict | undefined];

export interface QuestionRunnerOptions {
  pool: ExecutionPool;
  /** Each database's files (several give test-suite accuracy); a database without any has no entry. */
  files: ReadonlyMap<string, string[]>;
  /** Only whether the prediction runs (etype match), not whether it matches the gold. */
  runsOnly: boolean;
  /** Also the fixed-mode verdict. */
  fixed: boolean;
  keepDistinct?: boolean;
  plugValue?: boolean;
}

/** A question's execution verdicts, from the pool's workers. */
export class QuestionRunner {
  constructor(private readonly options: QuestionRunnerOptions) {}

  run(question: Question): Promise<Verdicts> {
    if (this.options.runsOnly) return this.predictionRuns(question);
    const official = this.execute(question, 'official');
    // Fixed mode executes differently only where upstream rewrote `value`.
    const fixed =
      this.options.fixed && officialPrediction(question.pred) !== question.pred
        ? this.execute(question, 'fixed')
        : undefined;
    return Promise.all([official, fixed ?? official.then(() => undefined)]);
  }

  // etype match: only whether the prediction runs (no database: it does not).
  private predictionRuns(question: Question): Promise<Verdicts> {
    const databases = this.options.files.get(question.database);
    if (databases === undefined)
      return Promise.resolve([{ exec: 0, predRuns: false, reason: 'no database file' }, undefined]);
    return Promise.all([
      this.options.pool.run({
        databases,
        gold: '',
        preds: [question.pred],
        orderMatters: false,
        runsOnly: true,
        maxRows: 1000,
      }),
      undefined,
    ]);
  }

  private execute(question: Question, mode: 'official' | 'fixed'): Promise<ExecutionVerdict> {
    const { keepDistinct, plugValue } = this.options;
    let task: ExecutionTask;
    try {
      task = executionTask({
        gold: question.gold,
        pred: question.pred,
        databases: this.options.files.get(question.database) as string[],
        mode,
        ...(keepDistinct === undefined ? {} : { keepDistinct }),
        ...(plugValue === undefined ? {} : { plugValue }),
      });
    } catch (error) {
      return Promise.resolve({ exec: 0, predRuns: false, reason: unhandled('prepared to run', error) });
    }
    return this.options.pool.run(task);
  }
}
