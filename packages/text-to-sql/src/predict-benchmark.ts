import { createHash } from 'node:crypto';
import { appendFile, mkdir, readFile, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  BadLineError,
  BadLinePolicy,
  checkOutputPaths,
  readTextLines,
  writeFileAtomic,
  writeFilesTogether,
} from '@aquila/files';
import type { ChatTemplate } from '@aquila/prompts';
import { ExecutionVoter, extractSql, formatBirdPredictions, type VoteEquality } from '@aquila/sql-metrics';
import { readBirdSchemas } from './bird-prompt.js';
import { buildSqlPrompt, type PromptSchema, type SqlPromptTemplate } from './build-sql-prompt.js';
import { BenchmarkInputError, EndpointError, RunSettingsChangedError, TextToSqlOptionsError } from './errors.js';
import {
  checkSampling,
  type SqlGenerationSettings,
  sqlGenerationPresets,
  sqlGenerationRequest,
} from './generation-settings.js';
import { positiveInteger } from './internal/positive-integer.js';
import { predictByVote, type VoteLine, type VoteRun } from './internal/predict-by-vote.js';
import {
  earlierSessions,
  type RunRecord,
  type RunSession,
  type RunSettings,
  type RunStatus,
  readRunRecord,
  runTimings,
  settingsDifferences,
} from './internal/run-record.js';
import type { OpenedModel } from './open-model.js';
import { type BenchmarkQuestion, readBenchmark } from './read-benchmark.js';
import { checkRepairOptions, type SqlRepairOptions } from './repair-sql.js';
import { resolvePromptFormat } from './resolve-prompt-format.js';
import { predictionFiles, reportFiles } from './run-files.js';
import type { TextToSqlModel } from './text-to-sql-model.js';
import { checkVoteEquality } from './vote-sql-candidates.js';

export interface PredictBenchmarkOptions {
  benchmark: 'spider' | 'cspider' | 'bird';
  /** dev.json; for BIRD its questions file (mini_dev_sqlite.json, a JSON array or JSON Lines). */
  questions: string;
  /** tables.json, BIRD's dev_tables.json (Spider's prompts are built from it). */
  tables: string;
  /**
   * The database folder `<db_id>/<db_id>.sqlite`: BIRD's prompts show each database's CREATE statements, and a
   * vote runs the candidates there.
   */
  databases?: string;
  /** BIRD: example rows per table in the prompt (table_schema.py's `num_rows`); default none, as mini_dev runs. */
  sampleRows?: number;
  model: TextToSqlModel;
  /** What the run record says about the model (from {@link openModel}). */
  modelDescription: OpenedModel['description'];
  /** The run folder: raw_pred.jsonl, predict.txt (BIRD: predict.json), gold.txt, run.json. */
  output: string;
  /** Only these dev.json indices (0-based), in dev order. */
  ids?: readonly number[];
  /** Only the first N questions (after `ids`). */
  limit?: number;
  /** Default the AquilaSQL Spider prompt; for BIRD, mini_dev's prompt (`bird`). */
  template?: SqlPromptTemplate;
  /** Where a custom template came from, for the run record. */
  templateFile?: string;
  /** Default the greedy preset; with `samples` over 1, the sampled preset. */
  generation?: SqlGenerationSettings;
  /** Candidates per question (seeds seed + i), 1…64; default 1. More than one needs `vote` and a temperature above 0. */
  samples?: number;
  /**
   * `exec`: each question's candidates run on its database (`databases`) and the vote by execution picks the
   * answer (@aquila/sql-metrics' ExecutionVoter); every vote goes to votes.jsonl.
   */
  vote?: 'exec';
  /** When two results are the same answer; default `bird` for BIRD, `spider` otherwise. */
  voteEquality?: VoteEquality;
  /** Execution workers of the vote. Default 2. */
  voteWorkers?: number;
  /** Milliseconds each candidate may run. Default 30000. */
  voteTimeoutMs?: number;
  /** Repair rounds where the vote's answer fails to run (every candidate failed); needs `vote`. */
  repair?: SqlRepairOptions;
  /** The preset's name, for the run record. */
  preset?: string;
  /** Questions in flight at once (the local scheduler batches them; an endpoint gets this many requests). Default 4. */
  concurrency?: number;
  /** Tries of a question whose generation broke off (the endpoint client retries failed requests itself). Default 3. */
  attempts?: number;
  /**
   * Discard the folder's earlier run first (its raw_pred.jsonl, predict.txt, gold.txt, run.json and evaluation
   * reports; nothing else in the folder). Without it, a folder holding a run with other settings is refused.
   */
  restart?: boolean;
  /**
   * Where broken lines of the earlier run's raw_pred.jsonl go: without a policy (or with one that does not skip)
   * the first stops the run with its file:line. A last line cut short by a kill is always dropped.
   */
  badLines?: BadLinePolicy;
  onProgress?: (progress: PredictProgress) => void;
  signal?: AbortSignal;
}

export interface PredictProgress {
  done: number;
  total: number;
  /** Finished in an earlier run and reused. */
  reused: number;
  extracted: number;
  failed: number;
}

/** One line of raw_pred.jsonl. */
export interface RawPrediction {
  id: number;
  db_id: string;
  question: string;
  prompt: string;
  output: string;
  sql: string;
  extracted: boolean;
  finish_reason: string | null;
  prompt_tokens: number;
  completion_tokens: number;
  first_token_ms: number | null;
  elapsed_ms: number;
  attempts: number;
  /** The settings fingerprint: a line is reused only by a run with the same model and generation settings. */
  settings: string;
  /** Set when every attempt failed; the prediction is empty and a re-run tries again. */
  error?: string;
}

export interface PredictBenchmarkSummary {
  total: number;
  reused: number;
  generated: number;
  extracted: number;
  /** Questions with no SQL in the output (an empty prediction line each). */
  empty: number;
  /** Questions whose generation failed (an empty prediction line each; a re-run retries them). */
  failed: number;
  elapsedSeconds: number;
  itemsPerSecond: number;
  /** Questions whose answer came from a repair round (a vote run with `repair`). */
  repaired?: number;
  /**
   * `questions`: BIRD's run folder also holds the selected questions (questions.jsonl), aligned with gold.txt;
   * `votes`: a vote run's votes.jsonl.
   */
  files: { raw: string; predictions: string; gold: string; record: string; questions?: string; votes?: string };
}

// Prediction and gold files hold one query a line, a tab before the db_id.
const oneLine = (sql: string): string => sql.replace(/[\t\r\n]+/g, ' ').trim();

function select(questions: BenchmarkQuestion[], options: PredictBenchmarkOptions): BenchmarkQuestion[] {
  let selected = questions;
  if (options.ids !== undefined) {
    const wanted = new Set(options.ids);
    const unknown = [...wanted].find((id) => !Number.isInteger(id) || id < 0 || id >= questions.length);
    if (unknown !== undefined)
      throw new TextToSqlOptionsError(
        `question id ${unknown} is not in ${options.questions} (0…${questions.length - 1}).`,
      );
    selected = selected.filter((question) => wanted.has(question.id));
  }
  if (options.limit !== undefined) selected = selected.slice(0, positiveInteger('limit', options.limit));
  return selected;
}

/**
 * Makes the run folder ready: creates it, checks that no output is one of the inputs, and with `restart` removes
 * the earlier run's own files (never anything else).
 */
async function prepareRunFolder(options: PredictBenchmarkOptions, files: RunFiles): Promise<void> {
  try {
    await mkdir(options.output, { recursive: true });
    if (!(await stat(options.output)).isDirectory()) throw new Error('not a folder');
  } catch (error) {
    throw new TextToSqlOptionsError(
      `--out ${options.output} cannot be the run folder (${(error as Error).message}); give a folder, new or from an earlier run.`,
      { cause: error },
    );
  }
  await checkOutputPaths({
    outputs: Object.entries(files).map(([name, path]) => ({ path, label: `the run's ${name} file` })),
    inputs: [
      { path: options.questions, label: '--questions' },
      { path: options.tables, label: '--tables' },
      ...(options.templateFile === undefined ? [] : [{ path: options.templateFile, label: '--template' }]),
    ],
  });
  if (options.restart === true) {
    for (const name of [...Object.values(predictionFiles), ...Object.values(reportFiles)])
      await rm(join(options.output, name), { force: true });
  }
}

// What an earlier line of raw_pred.jsonl or votes.jsonl must be: its question's id, or undefined for a bad line.
const predictionLine = {
  problem: 'not a prediction line (a JSON object with id, prompt, output and settings)',
  id: (record: Partial<RawPrediction>): number | undefined =>
    typeof record.id === 'number' &&
    typeof record.settings === 'string' &&
    typeof record.output === 'string' &&
    typeof record.prompt === 'string'
      ? record.id
      : undefined,
};
const voteLine = {
  problem: 'not a vote line (a JSON object with i, candidates and settings)',
  id: (record: Partial<VoteLine>): number | undefined =>
    typeof record.i === 'number' && typeof record.settings === 'string' && Array.isArray(record.candidates)
      ? record.i
      : undefined,
};

// Earlier lines of this run folder: finished items by id (the last line of an id wins). Bytes after the last newline
// are a line cut short by a kill (perhaps in the middle of a character) and are dropped; any other line that is not
// a prediction (or vote) is a bad line (the policy decides). `rewrite` is the file without the dropped lines, when
// there were any: new lines must start on a line of their own.
async function readEarlier<Line>(
  path: string,
  kind: { problem: string; id: (record: Partial<Line>) => number | undefined },
  badLines: BadLinePolicy | undefined,
  signal: AbortSignal | undefined,
): Promise<{ records: Map<number, Line>; rewrite?: string }> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path, signal === undefined ? {} : { signal });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { records: new Map() };
    throw new BenchmarkInputError(`cannot read the earlier run's ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const complete = bytes.subarray(0, bytes.lastIndexOf(0x0a) + 1);
  const records = new Map<number, Line>();
  const kept: string[] = [];
  const policy = badLines ?? new BadLinePolicy();
  const input = (async function* () {
    yield complete;
  })();
  for await (const { text, line } of readTextLines({
    input,
    source: path,
    badLines: policy,
    ...(signal === undefined ? {} : { signal }),
  })) {
    if (text.trim() === '') continue;
    let record: unknown;
    try {
      record = JSON.parse(text);
    } catch {
      record = undefined;
    }
    const id =
      typeof record === 'object' && record !== null && !Array.isArray(record)
        ? kind.id(record as Partial<Line>)
        : undefined;
    if (id === undefined) {
      policy.report(new BadLineError({ source: path, line, problem: kind.problem }));
      continue;
    }
    records.set(id, record as Line);
    kept.push(text);
  }
  const clean = kept.map((line) => `${line}\n`).join('');
  return clean === bytes.toString('utf8') ? { records } : { records, rewrite: clean };
}

async function generate(
  model: TextToSqlModel,
  prompt: string,
  settings: SqlGenerationSettings,
  signal: AbortSignal | undefined,
) {
  const started = performance.now();
  let output = '';
  let firstTokenMs: number | null = null;
  for await (const event of model.stream(
    sqlGenerationRequest({ prompt, settings, tokenizer: model.tokenizer, ...(signal === undefined ? {} : { signal }) }),
  )) {
    if (event.type === 'token-delta' && firstTokenMs === null) firstTokenMs = performance.now() - started;
    output += event.text;
    if (event.type === 'generation-end') {
      return {
        output,
        finishReason: event.finishReason,
        promptTokens: event.promptTokenCount,
        completionTokens: event.completionTokenCount,
        firstTokenMs,
        elapsedMs: performance.now() - started,
      };
    }
  }
  throw new EndpointError('the model stream ended without a generation-end event.');
}

type RunFiles = PredictBenchmarkSummary['files'];

function runFiles(options: PredictBenchmarkOptions): RunFiles {
  const { output, benchmark } = options;
  return {
    raw: join(output, predictionFiles.raw),
    predictions: join(output, benchmark === 'bird' ? predictionFiles.birdPredictions : predictionFiles.predictions),
    gold: join(output, predictionFiles.gold),
    record: join(output, predictionFiles.record),
    ...(benchmark === 'bird' ? { questions: join(output, predictionFiles.birdQuestions) } : {}),
    ...(options.vote === undefined ? {} : { votes: join(output, predictionFiles.votes) }),
  };
}

function buildPrompts(
  selected: readonly BenchmarkQuestion[],
  schemas: Map<string, PromptSchema>,
  template: SqlPromptTemplate,
  chatTemplate: ChatTemplate | undefined,
): Map<number, string> {
  return new Map(
    selected.map((question) => [
      question.id,
      buildSqlPrompt({
        question: question.question,
        schema: schemas.get(question.databaseId) as PromptSchema,
        template,
        ...(question.evidence === undefined ? {} : { evidence: question.evidence }),
        ...(chatTemplate === undefined ? {} : { chatTemplate }),
      }),
    ]),
  );
}

/** BIRD's schemas carry each database's CREATE statements, read from its file; Spider's come from tables.json alone. */
async function promptSchemas(
  options: PredictBenchmarkOptions,
  selected: readonly BenchmarkQuestion[],
  schemas: Map<string, PromptSchema>,
): Promise<Map<string, PromptSchema>> {
  if (options.benchmark !== 'bird') return schemas;
  if (options.databases === undefined)
    throw new TextToSqlOptionsError(
      "--benchmark bird needs --db, BIRD's database folder (<db_id>/<db_id>.sqlite): its prompts show each database's CREATE statements.",
    );
  const ddl = await readBirdSchemas({
    databases: options.databases,
    ids: new Set(selected.map((question) => question.databaseId)),
    ...(options.sampleRows === undefined ? {} : { sampleRows: positiveInteger('sampleRows', options.sampleRows) }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  return new Map(
    [...schemas].map(([id, schema]) => {
      const databaseDdl = ddl.get(id);
      return [id, databaseDdl === undefined ? schema : { ...schema, databaseDdl }];
    }),
  );
}

const defaultTemplate = (options: PredictBenchmarkOptions): SqlPromptTemplate =>
  options.template ?? (options.benchmark === 'bird' ? 'bird' : 'spider');

/** A vote run's settings: candidates, equality and repair; null without a vote. */
function voteSettings(options: PredictBenchmarkOptions): RunSettings['vote'] {
  if (options.vote === undefined) return null;
  return {
    by: options.vote,
    samples: options.samples ?? 1,
    equality: options.voteEquality ?? (options.benchmark === 'bird' ? 'bird' : 'spider'),
    repair:
      options.repair === undefined || options.repair.rounds === 0
        ? null
        : { rounds: options.repair.rounds, timeBudgetMs: options.repair.timeBudgetMs ?? null },
  };
}

/** The settings the run record keeps, and their fingerprint on each raw_pred.jsonl line. */
function describeRun(
  options: PredictBenchmarkOptions,
  settings: SqlGenerationSettings,
): { runSettings: RunSettings; fingerprint: string } {
  const vote = voteSettings(options);
  // A local model by its absolute path: the same folder, however it was spelled, is the same model.
  const modelDescription =
    options.modelDescription.kind === 'local'
      ? { ...options.modelDescription, path: resolve(options.modelDescription.path) }
      : options.modelDescription;
  const fingerprint = createHash('sha256')
    .update(JSON.stringify({ model: modelDescription, settings, ...(vote === null ? {} : { vote }) }))
    .digest('hex')
    .slice(0, 16);
  const template = defaultTemplate(options);
  const runSettings: RunSettings = {
    benchmark: options.benchmark,
    model: modelDescription,
    template:
      typeof template === 'object'
        ? { file: options.templateFile === undefined ? null : resolve(options.templateFile), text: template.text }
        : template,
    preset: options.preset ?? null,
    generation: settings,
    vote,
    inputs: {
      questions: resolve(options.questions),
      tables: resolve(options.tables),
      ...(options.databases === undefined ? {} : { databases: resolve(options.databases) }),
    },
  };
  return { runSettings, fingerprint };
}

/** Refuses to continue a run made with other settings or prompts ({@link RunSettingsChangedError}). */
function checkSameRun(options: {
  output: string;
  earlierRecord: RunRecord | undefined;
  earlier: Map<number, RawPrediction>;
  runSettings: RunSettings;
  fingerprint: string;
  selected: readonly BenchmarkQuestion[];
  prompts: Map<number, string>;
}): void {
  const { earlierRecord, earlier, selected, prompts } = options;
  const differences = earlierRecord === undefined ? [] : settingsDifferences(earlierRecord, options.runSettings);
  const otherSettings = [...earlier.values()].filter((record) => record.settings !== options.fingerprint).length;
  if (otherSettings > 0 && differences.length === 0)
    differences.push(
      `${predictionFiles.raw} holds ${otherSettings} line${otherSettings === 1 ? '' : 's'} made with another model or other generation settings`,
    );
  const changedPrompts = selected.filter(
    (question) => earlier.has(question.id) && earlier.get(question.id)?.prompt !== prompts.get(question.id),
  );
  if (changedPrompts.length > 0)
    differences.push(
      `the prompts of ${changedPrompts.length} question${changedPrompts.length === 1 ? '' : 's'} (first: question ${changedPrompts[0]?.id}), from other questions, tables or template`,
    );
  if (differences.length > 0) throw new RunSettingsChangedError({ output: options.output, differences });
}

/** run.json: the run's settings, with this session after the earlier ones. */
class RunRecordText {
  readonly #started = performance.now();
  readonly #sessions: RunSession[];
  readonly #session: RunSession = {
    started_at: new Date().toISOString(),
    finished_at: null,
    elapsed_seconds: null,
    generated: null,
    outcome: 'running',
  };
  readonly #earlier: RunRecord | undefined;
  readonly #settings: RunSettings;
  readonly #fingerprint: string;

  constructor(earlier: RunRecord | undefined, settings: RunSettings, fingerprint: string) {
    this.#sessions = earlierSessions(earlier);
    this.#earlier = earlier;
    this.#settings = settings;
    this.#fingerprint = fingerprint;
  }

  text(status: RunStatus, fields: Record<string, unknown>): string {
    const session = this.#session;
    const all = [...this.#sessions, ...(session.outcome === 'finished' && session.generated === 0 ? [] : [session])];
    return `${JSON.stringify({ ...this.#earlier, ...this.#settings, settings: this.#fingerprint, ...fields, status, sessions: all, ...runTimings(all, status) }, null, 2)}\n`;
  }

  /** Ends this session; returns its seconds. */
  close(outcome: RunSession['outcome'], generated: number): number {
    const elapsedSeconds = (performance.now() - this.#started) / 1000;
    Object.assign(this.#session, {
      finished_at: new Date().toISOString(),
      elapsed_seconds: Number(elapsedSeconds.toFixed(3)),
      generated,
      outcome,
    });
    return elapsedSeconds;
  }
}

interface QuestionRun {
  model: TextToSqlModel;
  settings: SqlGenerationSettings;
  attempts: number;
  fingerprint: string;
  signal: AbortSignal | undefined;
  /** A vote run: where the databases are, and the prompts of a chat model's repairs (before its template). */
  vote?: VoteRun & { databases: string; userPrompts: Map<number, string> };
}

type Answer = Pick<
  RawPrediction,
  | 'output'
  | 'sql'
  | 'extracted'
  | 'finish_reason'
  | 'prompt_tokens'
  | 'completion_tokens'
  | 'first_token_ms'
  | 'elapsed_ms'
> & { vote?: VoteLine };

/** One answer to a question: the model's, or a vote's. */
async function answerQuestion(run: QuestionRun, question: BenchmarkQuestion, prompt: string): Promise<Answer> {
  const { signal, vote } = run;
  if (vote === undefined) {
    const result = await generate(run.model, prompt, run.settings, signal);
    const sql = extractSql({ text: result.output });
    return {
      output: result.output,
      sql: sql?.sql ?? '',
      extracted: sql !== undefined,
      finish_reason: result.finishReason,
      prompt_tokens: result.promptTokens,
      completion_tokens: result.completionTokens,
      first_token_ms: result.firstTokenMs === null ? null : Math.round(result.firstTokenMs),
      elapsed_ms: Math.round(result.elapsedMs),
    };
  }
  const started = performance.now();
  const { databaseId } = question;
  const voted = await predictByVote(
    vote,
    { id: question.id, databaseId, database: join(vote.databases, databaseId, `${databaseId}.sqlite`) },
    { prompt, userPrompt: vote.userPrompts.get(question.id) ?? prompt },
  );
  return {
    output: voted.output,
    sql: voted.sql,
    extracted: voted.extracted,
    finish_reason: voted.finishReason,
    prompt_tokens: voted.promptTokens,
    completion_tokens: voted.completionTokens,
    first_token_ms: null,
    elapsed_ms: Math.round(performance.now() - started),
    vote: voted.line,
  };
}

/**
 * One question's raw_pred.jsonl line (and a vote run's votes.jsonl line): the first attempt that ends, or an error
 * line when none did.
 */
async function predictQuestion(
  run: QuestionRun,
  question: BenchmarkQuestion,
  prompt: string,
): Promise<{ record: RawPrediction; vote?: VoteLine }> {
  const { attempts, fingerprint, signal } = run;
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    try {
      const { vote, ...answer } = await answerQuestion(run, question, prompt);
      return {
        record: {
          id: question.id,
          db_id: question.databaseId,
          question: question.question,
          prompt,
          ...answer,
          attempts: attempt,
          settings: fingerprint,
        },
        ...(vote === undefined ? {} : { vote }),
      };
    } catch (error) {
      if (signal?.aborted === true) throw signal.reason;
      // Broken-off answers and failed requests are the endpoint's; anything else (bad options) stops the run.
      if (!EndpointError.isInstance(error)) throw error;
      lastError = error;
    }
  }
  return {
    record: {
      id: question.id,
      db_id: question.databaseId,
      question: question.question,
      prompt,
      output: '',
      sql: '',
      extracted: false,
      finish_reason: null,
      prompt_tokens: 0,
      completion_tokens: 0,
      first_token_ms: null,
      elapsed_ms: 0,
      attempts,
      settings: fingerprint,
      error: (lastError as Error).message,
    },
  };
}

/**
 * Predicts the pending questions with `concurrency` workers, into `results` and appended to raw_pred.jsonl.
 * Returns how many were generated, and the first worker's failure when one failed (the others finish first).
 */
async function predictPending(options: {
  run: QuestionRun;
  pending: readonly BenchmarkQuestion[];
  prompts: Map<number, string>;
  results: Map<number, RawPrediction>;
  votes: Map<number, VoteLine>;
  files: RunFiles;
  concurrency: number;
  onPredicted: () => void;
}): Promise<{ generated: number; failure?: PromiseRejectedResult }> {
  const { run, pending, prompts, results, files } = options;
  let next = 0;
  let generated = 0;
  // Lines are appended one write each, in the order items finish.
  let writing = Promise.resolve();
  const work = async (): Promise<void> => {
    while (next < pending.length) {
      run.signal?.throwIfAborted();
      const question = pending[next++] as BenchmarkQuestion;
      const { record, vote } = await predictQuestion(run, question, prompts.get(question.id) as string);
      results.set(question.id, record);
      const line = `${JSON.stringify(record)}\n`;
      // The vote first: a question counts as done once its prediction line is there.
      if (vote !== undefined && files.votes !== undefined) {
        options.votes.set(question.id, vote);
        const votesFile = files.votes;
        const voteText = `${JSON.stringify(vote)}\n`;
        writing = writing.then(() => appendFile(votesFile, voteText));
      }
      writing = writing.then(() => appendFile(files.raw, line));
      await writing;
      generated += 1;
      options.onPredicted();
    }
  };
  const workers = Array.from({ length: Math.min(options.concurrency, Math.max(1, pending.length)) }, () => work());
  const settled = await Promise.allSettled(workers);
  await writing.catch(() => undefined);
  const failure = settled.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (failure !== undefined) return { generated, failure };
  await writing;
  return { generated };
}

/**
 * The predictions file: Spider's one SQL a line, or BIRD's official prediction JSON (`{"0": "SQL\t----- bird
 * -----\tdb_id", …}` by position, as mini_dev's gpt_request.py writes it; an item without SQL has an empty SQL).
 */
function predictionsText(benchmark: PredictBenchmarkOptions['benchmark'], ordered: readonly RawPrediction[]): string {
  if (benchmark === 'bird')
    return `${formatBirdPredictions(ordered.map((item) => ({ sql: item.sql, dbId: item.db_id })))}\n`;
  return ordered.map((item) => `${oneLine(item.sql)}\n`).join('');
}

/**
 * BIRD's selected questions as JSON Lines in mini_dev's fields (its scripts read the difficulty file so), aligned
 * with gold.txt: the evaluation's `--questions` for a run of some of the questions.
 */
function birdQuestionsText(selected: readonly BenchmarkQuestion[]): string {
  return selected
    .map(
      (question) =>
        `${JSON.stringify({
          question_id: question.questionId ?? null,
          db_id: question.databaseId,
          question: question.question,
          evidence: question.evidence ?? '',
          SQL: question.query,
          difficulty: question.difficulty ?? null,
        })}\n`,
    )
    .join('');
}

/**
 * The finished run's files, written together: raw_pred.jsonl, predict.txt (or predict.json and questions.jsonl),
 * gold.txt and run.json.
 */
async function writeFinishedRun(options: {
  benchmark: PredictBenchmarkOptions['benchmark'];
  files: RunFiles;
  selected: readonly BenchmarkQuestion[];
  ordered: readonly RawPrediction[];
  all: Map<number, RawPrediction>;
  votes: Map<number, VoteLine>;
  record: string;
}): Promise<void> {
  const { files, all } = options;
  // One line per question ever predicted in this folder (a retried item's last line), in question order.
  const lines = (records: Map<number, unknown>): string =>
    [...records.keys()]
      .sort((left, right) => left - right)
      .map((id) => `${JSON.stringify(records.get(id))}\n`)
      .join('');
  await writeFilesTogether({
    files: [
      { path: files.raw, data: lines(all) },
      ...(files.votes === undefined ? [] : [{ path: files.votes, data: lines(options.votes) }]),
      { path: files.predictions, data: predictionsText(options.benchmark, options.ordered) },
      {
        path: files.gold,
        data: options.selected.map((question) => `${oneLine(question.query)}\t${question.databaseId}\n`).join(''),
      },
      { path: files.record, data: options.record },
      ...(files.questions === undefined ? [] : [{ path: files.questions, data: birdQuestionsText(options.selected) }]),
    ],
  });
}

/** What the finished run record adds to the settings. */
function finishedRecordFields(
  options: PredictBenchmarkOptions,
  summary: PredictBenchmarkSummary,
  ordered: readonly RawPrediction[],
  concurrency: number,
): Record<string, unknown> {
  const { total, extracted, failed, reused } = summary;
  return {
    selection: { ids: options.ids ?? null, limit: options.limit ?? null, count: total },
    counts: {
      total,
      extracted,
      empty: summary.empty,
      failed,
      reused,
      generated: summary.generated,
      ...(summary.repaired === undefined ? {} : { repaired: summary.repaired }),
    },
    // FlagAI's s2 dropped the questions without SQL from both files; here they stay as empty predictions.
    extract_rate: total > 0 ? extracted / total : 0,
    concurrency,
    tokens: {
      prompt: ordered.reduce((sum, item) => sum + item.prompt_tokens, 0),
      completion: ordered.reduce((sum, item) => sum + item.completion_tokens, 0),
    },
    files: predictionFiles,
  };
}

function summarize(
  ordered: readonly RawPrediction[],
  counts: { reused: number; generated: number; elapsedSeconds: number; files: RunFiles },
): PredictBenchmarkSummary {
  const { generated, elapsedSeconds } = counts;
  const failed = ordered.filter((record) => record.error !== undefined).length;
  const extracted = ordered.filter((record) => record.extracted).length;
  return {
    total: ordered.length,
    reused: counts.reused,
    generated,
    extracted,
    empty: ordered.length - extracted - failed,
    failed,
    elapsedSeconds,
    itemsPerSecond: elapsedSeconds > 0 ? generated / elapsedSeconds : 0,
    files: counts.files,
  };
}

function progressOf(results: Map<number, RawPrediction>, total: number, reused: number): PredictProgress {
  const values = [...results.values()];
  return {
    done: values.length,
    total,
    reused,
    extracted: values.filter((value) => value.extracted).length,
    failed: values.filter((value) => value.error !== undefined).length,
  };
}

/**
 * Generates predictions for benchmark questions: each question's prompt from its schema in tables.json, the
 * model's output (local runtime or endpoint) with bounded concurrency, and SQL extracted by FlagAI's rule.
 * Writes raw_pred.jsonl as items finish (so a killed run continues where it stopped, and a re-run with the same
 * settings reuses finished items), then predict.txt aligned line for line with gold.txt (an empty line where no
 * SQL was found, never dropped) and the run record run.json. With `vote: 'exec'`, each question gets `samples`
 * candidates, voted by execution on its database (repaired with `repair` when every one fails), and its whole vote
 * is a line of votes.jsonl, kept and reused like the predictions. A folder that holds a run with other settings
 * (the vote's included) is refused ({@link RunSettingsChangedError}) unless `restart` discards it.
 */
export async function predictBenchmark(options: PredictBenchmarkOptions): Promise<PredictBenchmarkSummary> {
  const { model, signal } = options;
  const concurrency = positiveInteger('concurrency', options.concurrency ?? 4);
  const attempts = positiveInteger('attempts', options.attempts ?? 3);
  const samples = options.samples ?? 1;
  const repair = checkRepairOptions(options.repair);
  if (options.vote === undefined && (samples > 1 || repair !== undefined))
    throw new TextToSqlOptionsError(
      `${samples > 1 ? `samples ${samples}` : 'repair'} needs the vote by execution (vote: 'exec', --vote exec), which runs the candidates on each question's database.`,
    );
  if (options.vote !== undefined && options.vote !== 'exec')
    throw new TextToSqlOptionsError(`unknown vote "${String(options.vote)}"; use exec.`);
  if (options.voteEquality !== undefined) checkVoteEquality(options.voteEquality);
  if (options.vote !== undefined && options.databases === undefined)
    throw new TextToSqlOptionsError(
      'the vote by execution runs the candidates on the databases: give databases (--db, the folder of <db_id>/<db_id>.sqlite).',
    );
  const generation = options.generation ?? (samples > 1 ? sqlGenerationPresets.sampled : sqlGenerationPresets.greedy);
  checkSampling({ samples, settings: generation });
  // A chat model gets its prompts through its own chat template.
  const { settings, chatTemplate } = resolvePromptFormat({ model, settings: generation });
  const { questions, schemas } = await readBenchmark({
    questions: options.questions,
    tables: options.tables,
    benchmark: options.benchmark,
    ...(signal === undefined ? {} : { signal }),
  });
  const selected = select(questions, options);
  if (selected.length === 0)
    throw new TextToSqlOptionsError(`no questions selected from ${options.questions}; check --ids and --limit.`);
  const promptSchemaMap = await promptSchemas(options, selected, schemas);
  const prompts = buildPrompts(selected, promptSchemaMap, defaultTemplate(options), chatTemplate);
  const { runSettings, fingerprint } = describeRun(options, settings);

  const files = runFiles(options);
  await prepareRunFolder(options, files);
  const earlierRecord = await readRunRecord(files.record);
  const { records: earlier, rewrite } = await readEarlier<RawPrediction>(
    files.raw,
    predictionLine,
    options.badLines,
    signal,
  );
  checkSameRun({ output: options.output, earlierRecord, earlier, runSettings, fingerprint, selected, prompts });
  if (rewrite !== undefined) await writeFileAtomic({ path: files.raw, data: rewrite });
  const earlierVotes = new Map<number, VoteLine>();
  if (files.votes !== undefined) {
    const read = await readEarlier<VoteLine>(files.votes, voteLine, options.badLines, signal);
    for (const [id, line] of read.records) if (line.settings === fingerprint) earlierVotes.set(id, line);
    if (read.rewrite !== undefined) await writeFileAtomic({ path: files.votes, data: read.rewrite });
  }

  const results = new Map<number, RawPrediction>();
  const votes = new Map<number, VoteLine>();
  for (const question of selected) {
    const record = earlier.get(question.id);
    const vote = earlierVotes.get(question.id);
    // A vote run's question is done when its vote is recorded too.
    if (record === undefined || record.error !== undefined || (files.votes !== undefined && vote === undefined))
      continue;
    results.set(question.id, record);
    if (vote !== undefined) votes.set(question.id, vote);
  }
  const reused = results.size;
  const pending = selected.filter((question) => !results.has(question.id));
  const runRecord = new RunRecordText(earlierRecord, runSettings, fingerprint);
  // Written before any generation, so that a later run knows these settings even if this one is killed.
  await writeFileAtomic({ path: files.record, data: runRecord.text('running', {}) });
  options.onProgress?.(progressOf(results, selected.length, reused));

  const vote = runSettings.vote;
  const voter =
    vote === null
      ? undefined
      : new ExecutionVoter({
          equality: vote.equality,
          workers: positiveInteger('voteWorkers', options.voteWorkers ?? 2),
          ...(options.voteTimeoutMs === undefined
            ? {}
            : { timeoutMs: positiveInteger('voteTimeoutMs', options.voteTimeoutMs) }),
        });
  let outcome: Awaited<ReturnType<typeof predictPending>>;
  try {
    outcome = await predictPending({
      run: {
        model,
        settings,
        attempts,
        fingerprint,
        signal,
        ...(voter === undefined
          ? {}
          : {
              vote: {
                model,
                settings,
                chatTemplate,
                samples,
                voter,
                repair,
                fingerprint,
                signal,
                databases: options.databases as string,
                userPrompts:
                  chatTemplate === undefined || repair === undefined
                    ? new Map()
                    : buildPrompts(selected, promptSchemaMap, defaultTemplate(options), undefined),
              } satisfies VoteRun & { databases: string; userPrompts: Map<number, string> },
            }),
      },
      pending,
      prompts,
      results,
      votes,
      files,
      concurrency,
      onPredicted: () => options.onProgress?.(progressOf(results, selected.length, reused)),
    });
  } finally {
    await voter?.close();
  }
  const { generated, failure } = outcome;
  if (failure !== undefined) {
    // The lines written so far stay for the next run; the record says this session stopped, and its time counts.
    runRecord.close('stopped', generated);
    await writeFileAtomic({ path: files.record, data: runRecord.text('stopped', {}) }).catch(() => undefined);
    throw failure.reason;
  }

  const ordered = selected.map((question) => results.get(question.id) as RawPrediction);
  const elapsedSeconds = runRecord.close('finished', generated);
  const summary = summarize(ordered, { reused, generated: pending.length, elapsedSeconds, files });
  if (vote !== null)
    summary.repaired = selected.filter((question) => votes.get(question.id)?.answer.from === 'repair').length;
  await writeFinishedRun({
    benchmark: options.benchmark,
    files,
    selected,
    ordered,
    all: new Map([...earlier, ...results]),
    votes: new Map([...earlierVotes, ...votes]),
    record: runRecord.text('finished', finishedRecordFields(options, summary, ordered, concurrency)),
  });
  return summary;
}
