import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import {
  type BuildDatasetOptions,
  buildAquilaSqlPrompt,
  buildDataset,
  samplesDirectory,
  tokenizeAquilaConversation,
} from '@aquila/data';
import { OutputPathError, prepareOutputFolder, writeFileAtomic } from '@aquila/files';
import { convertCheckpoint, flagaiStopRules, LanguageModel } from '@aquila/runtime';
import { type EvaluationSummary, evaluate, extractSql, type ItemVerdict } from '@aquila/sql-metrics';
import { loadAquilaTokenizer, type Tokenizer } from '@aquila/tokenizer';
import { parseRunConfig } from '../parse-run-config.js';
import { trainLocally } from '../trainer/train-locally.js';
import type { IterationEvent, TrainingEvent } from '../training-event.js';
import { renderDemoReport } from './render-demo-report.js';

/** The bundled sample sources the demo builds its SFT data from (non-commercial ones are filtered out). */
const sampleSources = [
  ['sql-create-context', 'sql_create_context_v4.json'],
  ['Llama-2-SQL-Dataset', 'Llama-2-SQL-Dataset-train-00000-of-00001-1ba781ea67c6bd7f.parquet'],
  ['Text-to-sql-v1', 'Text-to-sql-v1.jsonl'],
  ['pg-wikiSQL-sql-instructions-80k', 'pg-wikiSQL-sql-instructions-80k-train.csv'],
  ['pg-gpt4SQL-sql-instructions-1k', 'pg-gpt4SQL-sql-instructions-1k.csv'],
  ['autotrain-data-nl-to-sql', 'autotrain-data-nl-to-sql-train.csv'],
  ['sql-context-instructions', 'sql-context-instructions-train-00000-of-00001-a2d2f513b79f5b3d.parquet'],
  ['symbolic-instruction-tuning-sql', 'symbolic-instruction-tuning-sql-train-00000-of-00001-09775d42d91b2c08.parquet'],
] as const;

/** Options of `runDemo`. */
export interface RunDemoOptions {
  /**
   * The folder the demo writes: data/, run/, model/, spider/ and report.html. It must be new, empty, or one an
   * earlier demo wrote (its marker file says so), which is emptied first; anything else is refused
   * (`OutputFolderNotOwnedError`) unless `force`.
   */
  output: string;
  /** Empty an output folder that holds other files too (never the working folder, one above it, or the home folder). */
  force?: boolean;
  /** Spider dev (dev.json, tables.json, database/<db>/<db>.sqlite); without it the Spider part is skipped. */
  spider?: string;
  /** A converted model folder (`aquila convert`) to answer with, instead of training and converting a tiny one. */
  model?: string;
  /** Training steps of the tiny model (default 120). */
  steps?: number;
  /** The tiny model's layers and width (default 2 × 128). */
  layers?: number;
  hiddenSize?: number;
  /** Spider dev questions to answer, spread over the databases present (default 20). */
  questions?: number;
  /** Training questions answered again, to show what the model memorised (default 3). */
  trainingQuestions?: number;
  /** Most tokens generated per answer (default 80). */
  maxNewTokens?: number;
  /** One line per step of the pipeline, for a console. */
  onLog?: (line: string) => void;
  /** Every training event (iterations, checkpoints) of the tiny model. */
  onTrainingEvent?: (event: TrainingEvent) => void;
  /** Progress of the answers: done of total. */
  onGenerateProgress?: (progress: { done: number; total: number }) => void;
  signal?: AbortSignal;
}

/** One question the demo's model answered. */
export interface DemoAnswer {
  kind: 'training' | 'spider';
  question: string;
  /** The database (Spider) or the sample source. */
  database: string;
  gold: string;
  /** What the model wrote, and the SQL taken from it (empty when there was none). */
  output: string;
  predicted: string;
  verdict?: ItemVerdict;
  /** Training questions: the prediction equals the gold SQL (spacing aside). */
  reproduced?: boolean;
}

/** What `runDemo` did and where its report is. */
export interface DemoResult {
  reportFile: string;
  data: { sources: number; read: number; kept: number; sftRecords: number };
  training?: {
    parameters: number;
    vocabularyUsed: number;
    steps: number;
    firstLoss: number;
    lastLoss: number;
    seconds: number;
    checkpoint: string;
  };
  modelDirectory: string;
  answers: DemoAnswer[];
  spider: { summary: EvaluationSummary } | { skipped: string };
}

interface SpiderTables {
  db_id: string;
  table_names_original: string[];
  column_names_original: [number, string][];
  foreign_keys: [number, number][];
}

/** FlagAI's AquilaSQL prompt for a Spider database: every table and column, and the foreign keys. */
function spiderPrompt(tables: SpiderTables, question: string): string {
  const columnName = (index: number): string => {
    const [table, column] = tables.column_names_original[index] as [number, string];
    return `${(tables.table_names_original[table] as string).toLowerCase()}.${column.toLowerCase()}`;
  };
  return buildAquilaSqlPrompt({
    question,
    schema: tables.table_names_original.map((name, table) => ({
      name,
      columns: tables.column_names_original.filter(([owner]) => owner === table).map(([, column]) => column),
    })),
    relations: tables.foreign_keys.map(([from, to]) => `${columnName(from)} = ${columnName(to)}`),
  });
}

/** The ids the model saw in training up to the answer: FlagAI's SFT framing of one human turn, then `### Assistant:`. */
function promptIds(tokenizer: Tokenizer, prompt: string): number[] {
  const { ids } = tokenizeAquilaConversation({ tokenizer, conversations: [{ from: 'human', value: prompt }] });
  return [...ids.slice(0, -1), ...tokenizer.encode('### Assistant:')];
}

const squeeze = (sql: string): string => sql.replace(/\s+/g, ' ').trim().toLowerCase();

/** The demo empties its output folder first: an input inside it would be deleted before it is read. */
function checkInputsOutside(
  output: string,
  inputs: ReadonlyArray<readonly [label: string, path: string | undefined]>,
): void {
  for (const [label, path] of inputs) {
    if (path === undefined) continue;
    const inside = relative(output, resolve(path));
    if (inside === '' || (!inside.startsWith('..') && !isAbsolute(inside))) {
      throw new OutputPathError(
        `the ${label} ${path} lies inside the demo's output folder ${output}, which the demo empties first; move it out or choose another output folder (--out)`,
      );
    }
  }
}

/**
 * The end-to-end demo on embedded defaults: SFT data from the bundled sample sources (@aquila/data), a tiny
 * LLaMA-shaped model trained on it in-process, converted to ONNX (@aquila/runtime), answers to training
 * questions and to Spider dev questions on the shared databases, scored by @aquila/sql-metrics, and one
 * HTML report. A model this small trained on a dozen records memorises them and scores about 0 on
 * Spider: the demo shows the pipeline, and the report says so.
 */
export async function runDemo(options: RunDemoOptions): Promise<DemoResult> {
  const { signal } = options;
  const log = options.onLog ?? ((): void => undefined);
  const output = resolve(options.output);
  checkInputsOutside(output, [
    ['model folder (--model)', options.model],
    ['Spider folder (--spider)', options.spider],
  ]);
  await prepareOutputFolder({
    directory: output,
    owner: 'aquila demo',
    ...(options.force === undefined ? {} : { force: options.force }),
  });
  const started = performance.now();
  const timings: Array<[string, number]> = [];
  const timed = async <T>(stage: string, work: () => Promise<T>): Promise<T> => {
    const from = performance.now();
    const result = await work();
    timings.push([stage, (performance.now() - from) / 1000]);
    return result;
  };

  // 1. Data.
  const samples = samplesDirectory();
  const buildOptions: BuildDatasetOptions = {
    config: {
      sources: sampleSources.map(([type, file]) => ({ type, path: join(samples, file) })),
      filters: { excludeNonCommercial: true },
    },
    outDirectory: join(output, 'data'),
    ...(signal === undefined ? {} : { signal }),
  };
  const build = await timed('data', () => buildDataset(buildOptions));
  const sftFile = join(output, 'data', 'sft.jsonl');
  const sftRecords = (await readFile(sftFile, 'utf8'))
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as { id: string; conversations: { from: string; value: string }[] });
  const data = {
    sources: build.sources.length,
    read: build.totals.read,
    kept: build.totals.kept,
    sftRecords: sftRecords.length,
  };
  log(
    `data: ${data.kept} of ${data.read} records kept from ${data.sources} sample sources → ${data.sftRecords} SFT records (${sftFile})`,
  );

  // 2–3. Train a tiny model in-process and convert its checkpoint, or take the given converted model.
  let training: DemoResult['training'];
  let events: TrainingEvent[] = [];
  let modelDirectory = options.model === undefined ? join(output, 'model') : resolve(options.model);
  if (options.model === undefined) {
    const steps = options.steps ?? 120;
    const layers = options.layers ?? 2;
    const hiddenSize = options.hiddenSize ?? 128;
    const text = [
      'name: aquila-demo',
      'task: sft',
      'engine: local',
      'output: run',
      // 1024 positions, so most Spider prompts with their whole schema fit at generation time.
      `model: { layers: ${layers}, hiddenSize: ${hiddenSize}, attentionHeads: ${hiddenSize / 32}, ffnHiddenSize: ${Math.round((hiddenSize * 8) / 3 / 8) * 8}, sequenceLength: 1024 }`,
      'data: { sftFile: data/sft.jsonl }',
      'optimizer: { lr: 3.0e-3, minLr: 3.0e-4, weightDecay: 0.01 }',
      `schedule: { trainIterations: ${steps}, warmupFraction: 0.05, decayStyle: cosine }`,
      'batch: { microBatchSize: 4 }',
      `checkpoints: { saveInterval: ${steps} }`,
      '',
    ].join('\n');
    const configFile = join(output, 'demo-sft.yaml');
    await writeFileAtomic({ path: configFile, data: text });
    const config = parseRunConfig({ text, file: configFile });
    const result = await timed('train', () =>
      trainLocally({
        config,
        ...(options.onTrainingEvent === undefined ? {} : { onEvent: options.onTrainingEvent }),
        ...(signal === undefined ? {} : { signal }),
      }),
    );
    events = result.events;
    const losses = events
      .filter((event): event is IterationEvent => event.type === 'iteration')
      .map(({ loss }) => loss ?? Number.NaN);
    training = {
      parameters: result.parameterCount,
      vocabularyUsed: result.vocabularyUsed,
      steps,
      firstLoss: losses[0] ?? Number.NaN,
      lastLoss: losses.at(-1) ?? Number.NaN,
      seconds: timings.at(-1)?.[1] ?? 0,
      checkpoint: result.checkpoint,
    };
    log(
      `train: ${layers} layers × ${hiddenSize}, ${training.parameters.toLocaleString('en-US')} parameters over ${training.vocabularyUsed} token ids, ${steps} steps in ${training.seconds.toFixed(1)} s; loss ${training.firstLoss.toFixed(3)} → ${training.lastLoss.toFixed(3)}`,
    );
    await timed('convert', () =>
      convertCheckpoint({
        checkpoint: result.checkpoint,
        output: modelDirectory,
        precision: 'fp32',
        ...(signal === undefined ? {} : { signal }),
      }),
    );
    log(`convert: ${result.checkpoint} → ONNX (fp32) in ${modelDirectory}`);
  } else {
    modelDirectory = resolve(options.model);
    log(`model: ${modelDirectory} (given; no training)`);
  }

  // 4. Generate: a few training questions, then Spider dev questions on the databases present.
  const spider =
    options.spider === undefined || !existsSync(join(options.spider, 'dev.json')) ? undefined : resolve(options.spider);
  let spiderSkipped: string | undefined;
  const tokenizer = await loadAquilaTokenizer(signal === undefined ? {} : { signal });
  const maxNewTokens = options.maxNewTokens ?? 80;
  const model = await LanguageModel.load({ path: modelDirectory, tokenizer });
  const answers: DemoAnswer[] = [];
  try {
    // Prompts that leave room for the answer in the model's context.
    const fits = (ids: number[]): boolean => ids.length + maxNewTokens <= model.config.shape.maxPositions;
    const questions: Array<Omit<DemoAnswer, 'output' | 'predicted'> & { ids: number[] }> = [];
    for (const record of sftRecords.slice(0, options.trainingQuestions ?? 3)) {
      const human = record.conversations.find(({ from }) => from === 'human')?.value ?? '';
      const answer = record.conversations.find(({ from }) => from === 'gpt')?.value ?? '';
      const ids = promptIds(tokenizer, human);
      if (fits(ids))
        questions.push({
          kind: 'training',
          question: human,
          database: record.id,
          gold: extractSql({ text: answer })?.sql ?? answer,
          ids,
        });
    }
    if (spider === undefined) {
      spiderSkipped = `the Spider dev fixtures (dev.json, tables.json, database/) are not at ${options.spider ?? '(no --spider folder given)'}`;
      log(`spider: skipped: ${spiderSkipped}`);
    } else {
      const dev = JSON.parse(await readFile(join(spider, 'dev.json'), 'utf8')) as {
        db_id: string;
        question: string;
        query: string;
      }[];
      const tables = new Map(
        (JSON.parse(await readFile(join(spider, 'tables.json'), 'utf8')) as SpiderTables[]).map((entry) => [
          entry.db_id,
          entry,
        ]),
      );
      const present = dev.filter(
        ({ db_id: database }) =>
          existsSync(join(spider, 'database', database, `${database}.sqlite`)) && tables.has(database),
      );
      const count = Math.min(options.questions ?? 20, present.length);
      // Evenly spread over dev; where a schema makes the prompt too long, the next question that fits.
      for (let index = 0, next = 0; index < count; index += 1) {
        for (next = Math.max(next, Math.floor((index * present.length) / count)); next < present.length; next += 1) {
          const item = present[next] as (typeof present)[number];
          const ids = promptIds(tokenizer, spiderPrompt(tables.get(item.db_id) as SpiderTables, item.question));
          if (!fits(ids)) continue;
          questions.push({ kind: 'spider', question: item.question, database: item.db_id, gold: item.query, ids });
          next += 1;
          break;
        }
      }
    }
    await timed('generate', async () => {
      for (const { ids, ...question } of questions) {
        signal?.throwIfAborted();
        const result = await model.generate({
          promptIds: ids,
          maxNewTokens,
          stopTokenIds: flagaiStopRules.stopTokenIds,
          stopStrings: ['###', '</s>'],
          ...(signal === undefined ? {} : { signal }),
        });
        const predicted = extractSql({ text: result.text })?.sql ?? '';
        answers.push({
          ...question,
          output: result.text,
          predicted,
          ...(question.kind === 'training'
            ? { reproduced: predicted !== '' && squeeze(predicted) === squeeze(question.gold) }
            : {}),
        });
        options.onGenerateProgress?.({ done: answers.length, total: questions.length });
      }
    });
  } finally {
    await model.release();
  }
  const reproduced = answers.filter(({ reproduced: same }) => same === true).length;
  log(
    `generate: ${answers.length} answers; ${reproduced} of ${answers.filter(({ kind }) => kind === 'training').length} training questions reproduced exactly`,
  );

  // 5. Evaluate the Spider answers with the official metrics (exact set match and execution).
  let spiderResult: DemoResult['spider'] = { skipped: spiderSkipped ?? '' };
  const spiderAnswers = answers.filter(({ kind }) => kind === 'spider');
  if (spider !== undefined && spiderAnswers.length > 0) {
    const folder = join(output, 'spider');
    await mkdir(folder, { recursive: true });
    await writeFileAtomic({
      path: join(folder, 'gold.sql'),
      data: spiderAnswers.map(({ gold, database }) => `${gold}\t${database}\n`).join(''),
    });
    // One prediction a line. The official evaluator drops blank lines, so an answer without SQL is written as
    // a bare SELECT: it does not parse, which scores 0 as an empty prediction would.
    await writeFileAtomic({
      path: join(folder, 'pred.txt'),
      data: spiderAnswers.map(({ predicted }) => `${predicted === '' ? 'SELECT' : predicted}\n`).join(''),
    });
    const summary = await timed('evaluate', async () => {
      const run = evaluate({
        gold: join(folder, 'gold.sql'),
        pred: join(folder, 'pred.txt'),
        db: join(spider, 'database'),
        tables: join(spider, 'tables.json'),
        etype: 'all',
        ...(signal === undefined ? {} : { signal }),
      });
      for (;;) {
        const next = await run.next();
        if (next.done === true) return next.value;
        const answer = spiderAnswers[next.value.i];
        if (answer !== undefined) answer.verdict = next.value;
      }
    });
    spiderResult = { summary };
    log(
      `evaluate: Spider dev, ${summary.count.all} questions: exact match ${summary.matched.exact.all}, execution ${summary.matched.exec.all}`,
    );
  }

  // 6. The report.
  const reportFile = join(output, 'report.html');
  const result: DemoResult = {
    reportFile,
    data,
    ...(training === undefined ? {} : { training }),
    modelDirectory,
    answers,
    spider: spiderResult,
  };
  timings.push(['total', (performance.now() - started) / 1000]);
  await writeFileAtomic({ path: reportFile, data: renderDemoReport({ result, build, events, timings }) });
  log(`report: ${reportFile}`);
  return result;
}
