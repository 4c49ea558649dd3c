import { createHash } from 'node:crypto';
import { appendFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { extractSql } from '@aquila/sql-metrics';
import { buildSqlPrompt, type SqlPromptTemplate } from './build-sql-prompt.js';
import { BenchmarkInputError, EndpointError, TextToSqlOptionsError } from './errors.js';
import { sqlGenerationPresets, sqlGenerationRequest, type SqlGenerationSettings } from './generation-settings.js';
import type { OpenedModel } from './open-model.js';
import { readBenchmark, type BenchmarkQuestion } from './read-benchmark.js';
import type { TextToSqlModel } from './text-to-sql-model.js';

export interface PredictBenchmarkOptions {
  benchmark: 'spider' | 'cspider';
  /** dev.json. */
  questions: string;
  /** tables.json (prompts are built from it). */
  tables: string;
  model: TextToSqlModel;
  /** What the run record says about the model (from {@link openModel}). */
  modelDescription: OpenedModel['description'];
  /** The run folder: raw_pred.jsonl, predict.txt, gold.txt, run.json. */
  output: string;
  /** Only these dev.json indices (0-based), in dev order. */
  ids?: readonly number[];
  /** Only the first N questions (after `ids`). */
  limit?: number;
  /** Default the AquilaSQL Spider prompt. */
  template?: SqlPromptTemplate;
  /** Where a custom template came from, for the run record. */
  templateFile?: string;
  /** Default the greedy preset. */
  generation?: SqlGenerationSettings;
  /** The preset's name, for the run record. */
  preset?: string;
  /** Questions in flight at once (the local scheduler batches them; an endpoint gets this many requests). Default 4. */
  concurrency?: number;
  /** Tries of a question whose generation broke off (the endpoint client retries failed requests itself). Default 3. */
  attempts?: number;
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
  files: { raw: string; predictions: string; gold: string; record: string };
}

export const predictionFiles = { raw: 'raw_pred.jsonl', predictions: 'predict.txt', gold: 'gold.txt', record: 'run.json' } as const;

// Prediction and gold files hold one query a line, a tab before the db_id.
const oneLine = (sql: string): string => sql.replace(/[\t\r\n]+/g, ' ').trim();

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new TextToSqlOptionsError(`${name} must be a positive integer, got ${value}.`);
  return value;
}

function select(questions: BenchmarkQuestion[], options: PredictBenchmarkOptions): BenchmarkQuestion[] {
  let selected = questions;
  if (options.ids !== undefined) {
    const wanted = new Set(options.ids);
    const unknown = [...wanted].find((id) => !Number.isInteger(id) || id < 0 || id >= questions.length);
    if (unknown !== undefined) throw new TextToSqlOptionsError(`question id ${unknown} is not in ${options.questions} (0…${questions.length - 1}).`);
    selected = selected.filter((question) => wanted.has(question.id));
  }
  if (options.limit !== undefined) selected = selected.slice(0, positiveInteger('limit', options.limit));
  return selected;
}

// Earlier lines of this run folder: finished items by id. A line cut short by a kill is dropped, and the file is
// rewritten without it so that new lines start on a line of their own.
async function readEarlier(path: string): Promise<Map<number, RawPrediction>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw new BenchmarkInputError(`cannot read the earlier run's ${path}: ${(error as Error).message}`, { cause: error });
  }
  const earlier = new Map<number, RawPrediction>();
  const kept: string[] = [];
  for (const line of text.split('\n')) {
    try {
      const record = JSON.parse(line) as RawPrediction;
      if (typeof record.id !== 'number' || typeof record.settings !== 'string' || typeof record.output !== 'string') continue;
      earlier.set(record.id, record);
      kept.push(line);
    } catch {
      // A partial last line (killed mid-write) or a blank one.
    }
  }
  const clean = kept.map((line) => `${line}\n`).join('');
  if (clean !== text) {
    await writeFile(`${path}.tmp`, clean);
    await rename(`${path}.tmp`, path);
  }
  return earlier;
}

async function generate(model: TextToSqlModel, prompt: string, settings: SqlGenerationSettings, signal: AbortSignal | undefined) {
  const started = performance.now();
  let output = '';
  let firstTokenMs: number | null = null;
  for await (const event of model.stream(sqlGenerationRequest({ prompt, settings, tokenizer: model.tokenizer, ...(signal === undefined ? {} : { signal }) }))) {
    if (event.type === 'token-delta' && firstTokenMs === null) firstTokenMs = performance.now() - started;
    output += event.text;
    if (event.type === 'generation-end') {
      return { output, finishReason: event.finishReason, promptTokens: event.promptTokenCount, completionTokens: event.completionTokenCount, firstTokenMs, elapsedMs: performance.now() - started };
    }
  }
  throw new EndpointError('the model stream ended without a generation-end event.');
}

/**
 * Generates predictions for benchmark questions: each question's prompt from its schema in tables.json, the
 * model's output (local runtime or endpoint) with bounded concurrency, and SQL extracted by FlagAI's rule.
 * Writes raw_pred.jsonl as items finish (so a killed run continues where it stopped, and a re-run with the same
 * settings reuses finished items), then predict.txt aligned line for line with gold.txt (an empty line where no
 * SQL was found, never dropped) and the run record run.json.
 */
export async function predictBenchmark(options: PredictBenchmarkOptions): Promise<PredictBenchmarkSummary> {
  const { model, signal } = options;
  const concurrency = positiveInteger('concurrency', options.concurrency ?? 4);
  const attempts = positiveInteger('attempts', options.attempts ?? 3);
  const settings = options.generation ?? sqlGenerationPresets.greedy;
  const { questions, schemas } = await readBenchmark({ questions: options.questions, tables: options.tables, ...(signal === undefined ? {} : { signal }) });
  const selected = select(questions, options);
  if (selected.length === 0) throw new TextToSqlOptionsError(`no questions selected from ${options.questions}; check --ids and --limit.`);
  const prompts = new Map(selected.map((question) => [question.id, buildSqlPrompt({ question: question.question, schema: schemas.get(question.databaseId) as NonNullable<ReturnType<typeof schemas.get>>, ...(options.template === undefined ? {} : { template: options.template }) })]));
  const fingerprint = createHash('sha256').update(JSON.stringify({ model: options.modelDescription, settings })).digest('hex').slice(0, 16);

  await mkdir(options.output, { recursive: true });
  const files = {
    raw: join(options.output, predictionFiles.raw),
    predictions: join(options.output, predictionFiles.predictions),
    gold: join(options.output, predictionFiles.gold),
    record: join(options.output, predictionFiles.record),
  };
  const earlier = await readEarlier(files.raw);
  const results = new Map<number, RawPrediction>();
  for (const question of selected) {
    const record = earlier.get(question.id);
    if (record !== undefined && record.error === undefined && record.settings === fingerprint && record.prompt === prompts.get(question.id)) results.set(question.id, record);
  }
  const reused = results.size;
  const pending = selected.filter((question) => !results.has(question.id));
  const progress = (): PredictProgress => {
    const values = [...results.values()];
    return { done: values.length, total: selected.length, reused, extracted: values.filter((value) => value.extracted).length, failed: values.filter((value) => value.error !== undefined).length };
  };
  options.onProgress?.(progress());

  const started = performance.now();
  const startedAt = new Date().toISOString();
  let next = 0;
  // Lines are appended one write each, in the order items finish.
  let writing = Promise.resolve();
  const work = async (): Promise<void> => {
    while (next < pending.length) {
      signal?.throwIfAborted();
      const question = pending[next++] as BenchmarkQuestion;
      const prompt = prompts.get(question.id) as string;
      let record: RawPrediction | undefined;
      let lastError: unknown;
      for (let attempt = 1; attempt <= attempts && record === undefined; attempt += 1) {
        try {
          const result = await generate(model, prompt, settings, signal);
          const sql = extractSql({ text: result.output });
          record = {
            id: question.id,
            db_id: question.databaseId,
            question: question.question,
            prompt,
            output: result.output,
            sql: sql?.sql ?? '',
            extracted: sql !== undefined,
            finish_reason: result.finishReason,
            prompt_tokens: result.promptTokens,
            completion_tokens: result.completionTokens,
            first_token_ms: result.firstTokenMs === null ? null : Math.round(result.firstTokenMs),
            elapsed_ms: Math.round(result.elapsedMs),
            attempts: attempt,
            settings: fingerprint,
          };
        } catch (error) {
          if (signal?.aborted === true) throw signal.reason;
          // Broken-off answers and failed requests are the endpoint's; anything else (bad options) stops the run.
          if (!EndpointError.isInstance(error)) throw error;
          lastError = error;
        }
      }
      record ??= {
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
      };
      results.set(question.id, record);
      const line = `${JSON.stringify(record)}\n`;
      writing = writing.then(() => appendFile(files.raw, line));
      await writing;
      options.onProgress?.(progress());
    }
  };
  const workers = Array.from({ length: Math.min(concurrency, Math.max(1, pending.length)) }, () => work());
  const settled = await Promise.allSettled(workers);
  await writing;
  const failure = settled.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (failure !== undefined) throw failure.reason;

  const ordered = selected.map((question) => results.get(question.id) as RawPrediction);
  const elapsedSeconds = (performance.now() - started) / 1000;
  const generated = pending.length;
  const failed = ordered.filter((record) => record.error !== undefined).length;
  const extracted = ordered.filter((record) => record.extracted).length;
  await writeFile(files.predictions, ordered.map((record) => `${oneLine(record.sql)}\n`).join(''));
  await writeFile(files.gold, selected.map((question) => `${oneLine(question.query)}\t${question.databaseId}\n`).join(''));
  const summary: PredictBenchmarkSummary = {
    total: selected.length,
    reused,
    generated,
    extracted,
    empty: selected.length - extracted - failed,
    failed,
    elapsedSeconds,
    itemsPerSecond: elapsedSeconds > 0 ? generated / elapsedSeconds : 0,
    files,
  };
  const record = {
    benchmark: options.benchmark,
    model: options.modelDescription,
    template: options.templateFile === undefined ? (typeof options.template === 'string' ? options.template : options.template === undefined ? 'spider' : 'custom') : { file: resolve(options.templateFile), text: (options.template as { text: string }).text },
    preset: options.preset ?? null,
    generation: settings,
    settings: fingerprint,
    inputs: { questions: resolve(options.questions), tables: resolve(options.tables) },
    selection: { ids: options.ids ?? null, limit: options.limit ?? null, count: selected.length },
    counts: { total: summary.total, extracted, empty: summary.empty, failed, reused, generated },
    // FlagAI's s2 dropped the questions without SQL from both files; here they stay as empty predictions.
    extract_rate: selected.length > 0 ? extracted / selected.length : 0,
    concurrency,
    started_at: startedAt,
    finished_at: new Date().toISOString(),
    elapsed_seconds: Number(elapsedSeconds.toFixed(3)),
    items_per_second: Number(summary.itemsPerSecond.toFixed(3)),
    tokens: { prompt: ordered.reduce((sum, item) => sum + item.prompt_tokens, 0), completion: ordered.reduce((sum, item) => sum + item.completion_tokens, 0) },
    files: predictionFiles,
  };
  await writeFile(files.record, `${JSON.stringify(record, null, 2)}\n`);
  return summary;
}
