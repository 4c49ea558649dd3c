import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { type BuildDatasetOptions, type BuildReport, buildDataset } from '@aquila/data';
import { OutputPathError, prepareOutputFolder, writeFileAtomic } from '@aquila/files';
import { convertCheckpoint, LanguageModel } from '@aquila/runtime';
import { type EvaluationSummary, extractSql, type ItemVerdict } from '@aquila/sql-metrics';
import {
  type BenchmarkQuestion,
  buildSqlPrompt,
  evaluatePredictions,
  type PromptSchema,
  predictBenchmark,
  predictionFiles,
  type RawPrediction,
  readBenchmark,
  type SqlGenerationSettings,
  sqlGenerationPresets,
  sqlGenerationRequest,
} from '@aquila/text-to-sql';
import { loadAquilaTokenizer } from '@aquila/tokenizer';
import { type IterationEvent, parseRunConfig, type TrainingEvent, trainLocally } from '@aquila/train';
import { demoSampleSources } from './demo-sample-sources.js';
import { folderSize } from './folder-size.js';
import { renderDemoReport } from './render-demo-report.js';

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
  /** Bytes the demo left in its output folder (the checkpoint and the ONNX model, mostly). */
  outputBytes: number;
}

const squeeze = (sql: string): string => sql.replace(/\s+/g, ' ').trim().toLowerCase();

const megabytes = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

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
 * `count` questions evenly spread over those given; where a prompt does not fit, the next question that does.
 * Returned in dev order, as `predictBenchmark` answers them.
 */
function spreadQuestions(
  questions: readonly BenchmarkQuestion[],
  count: number,
  fits: (question: BenchmarkQuestion) => boolean,
): BenchmarkQuestion[] {
  const chosen: BenchmarkQuestion[] = [];
  const wanted = Math.min(count, questions.length);
  for (let index = 0, next = 0; index < wanted; index += 1) {
    for (next = Math.max(next, Math.floor((index * questions.length) / wanted)); next < questions.length; next += 1) {
      const question = questions[next] as BenchmarkQuestion;
      if (!fits(question)) continue;
      chosen.push(question);
      next += 1;
      break;
    }
  }
  return chosen;
}

/** What the output folder holds: its size, and that of its larger parts. */
async function describeSize(output: string): Promise<{ bytes: number; text: string }> {
  const bytes = await folderSize(output);
  const parts: string[] = [];
  for (const entry of await readdir(output, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const size = await folderSize(join(output, entry.name));
    if (size >= 1e6) parts.push(`${entry.name}/ ${megabytes(size)}`);
  }
  return { bytes, text: `${megabytes(bytes)}${parts.length === 0 ? '' : ` (${parts.join(', ')})`}` };
}

/** Seconds each stage took, in order, for the report. */
class StageTimings {
  readonly entries: Array<[string, number]> = [];

  async time<T>(stage: string, work: () => Promise<T>): Promise<T> {
    const from = performance.now();
    const result = await work();
    this.entries.push([stage, (performance.now() - from) / 1000]);
    return result;
  }
}

/** What every stage of the demo shares. */
interface DemoStage {
  output: string;
  log: (line: string) => void;
  timings: StageTimings;
  signal: AbortSignal | undefined;
}

interface SftRecord {
  id: string;
  conversations: { from: string; value: string }[];
}

/** 1. SFT data from the sample sources shipped with the CLI. */
async function buildDemoData(
  stage: DemoStage,
): Promise<{ build: BuildReport; sftRecords: SftRecord[]; data: DemoResult['data'] }> {
  const { output, signal } = stage;
  const buildOptions: BuildDatasetOptions = {
    config: { sources: demoSampleSources(), filters: { excludeNonCommercial: true } },
    outDirectory: join(output, 'data'),
    ...(signal === undefined ? {} : { signal }),
  };
  const build = await stage.timings.time('data', () => buildDataset(buildOptions));
  const sftFile = join(output, 'data', 'sft.jsonl');
  const sftRecords = (await readFile(sftFile, 'utf8'))
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as SftRecord);
  const data = {
    sources: build.sources.length,
    read: build.totals.read,
    kept: build.totals.kept,
    sftRecords: sftRecords.length,
  };
  stage.log(
    `data: ${data.kept} of ${data.read} records kept from ${data.sources} sample sources → ${data.sftRecords} SFT records (${sftFile})`,
  );
  return { build, sftRecords, data };
}

function demoRunConfig(steps: number, layers: number, hiddenSize: number): string {
  return [
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
}

interface DemoModel {
  modelDirectory: string;
  training?: DemoResult['training'];
  events: TrainingEvent[];
}

/** 2–3. A tiny model trained in-process and converted to ONNX, or the given converted model. */
async function prepareDemoModel(stage: DemoStage, options: RunDemoOptions): Promise<DemoModel> {
  if (options.model !== undefined) {
    const modelDirectory = resolve(options.model);
    stage.log(`model: ${modelDirectory} (given; no training)`);
    return { modelDirectory, events: [] };
  }
  const { output, signal } = stage;
  const modelDirectory = join(output, 'model');
  const steps = options.steps ?? 120;
  const layers = options.layers ?? 2;
  const hiddenSize = options.hiddenSize ?? 128;
  const text = demoRunConfig(steps, layers, hiddenSize);
  const configFile = join(output, 'demo-sft.yaml');
  await writeFileAtomic({ path: configFile, data: text });
  const config = parseRunConfig({ text, file: configFile });
  const result = await stage.timings.time('train', () =>
    trainLocally({
      config,
      ...(options.onTrainingEvent === undefined ? {} : { onEvent: options.onTrainingEvent }),
      ...(signal === undefined ? {} : { signal }),
    }),
  );
  const losses = result.events
    .filter((event): event is IterationEvent => event.type === 'iteration')
    .map(({ loss }) => loss ?? Number.NaN);
  const training = {
    parameters: result.parameterCount,
    vocabularyUsed: result.vocabularyUsed,
    steps,
    firstLoss: losses[0] ?? Number.NaN,
    lastLoss: losses.at(-1) ?? Number.NaN,
    seconds: stage.timings.entries.at(-1)?.[1] ?? 0,
    checkpoint: result.checkpoint,
  };
  stage.log(
    `train: ${layers} layers × ${hiddenSize}, ${training.parameters.toLocaleString('en-US')} parameters over ${training.vocabularyUsed} token ids, ${steps} steps in ${training.seconds.toFixed(1)} s; loss ${training.firstLoss.toFixed(3)} → ${training.lastLoss.toFixed(3)}`,
  );
  await stage.timings.time('convert', () =>
    convertCheckpoint({
      checkpoint: result.checkpoint,
      output: modelDirectory,
      precision: 'fp32',
      ...(signal === undefined ? {} : { signal }),
    }),
  );
  stage.log(`convert: ${result.checkpoint} → ONNX (fp32) in ${modelDirectory}`);
  return { modelDirectory, training, events: result.events };
}

/** The loaded model, asked as `aquila predict` asks it (the same prompts, generation settings and SQL extraction). */
interface Answering {
  model: LanguageModel;
  modelDirectory: string;
  settings: SqlGenerationSettings;
  request: (prompt: string) => ReturnType<typeof sqlGenerationRequest>;
  /** Prompts that leave room for the answer in the model's context. */
  fits: (prompt: string) => boolean;
}

interface TrainingQuestion {
  id: string;
  human: string;
  answer: string;
}

/** The Spider dev questions to answer, or why there are none. */
async function chooseSpiderQuestions(
  stage: DemoStage,
  options: RunDemoOptions,
  spider: string | undefined,
  answering: Answering,
): Promise<{ questions: BenchmarkQuestion[]; skipped?: string }> {
  if (spider === undefined)
    return {
      questions: [],
      skipped: `the Spider dev fixtures (dev.json, tables.json, database/) are not at ${options.spider ?? '(no --spider folder given)'}`,
    };
  const { signal } = stage;
  const { questions, schemas } = await readBenchmark({
    questions: join(spider, 'dev.json'),
    tables: join(spider, 'tables.json'),
    ...(signal === undefined ? {} : { signal }),
  });
  const present = questions.filter(({ databaseId }) =>
    existsSync(join(spider, 'database', databaseId, `${databaseId}.sqlite`)),
  );
  const chosen = spreadQuestions(present, options.questions ?? 20, (question) =>
    answering.fits(
      buildSqlPrompt({ question: question.question, schema: schemas.get(question.databaseId) as PromptSchema }),
    ),
  );
  if (chosen.length > 0) return { questions: chosen };
  return {
    questions: [],
    skipped: `no question of ${spider} has its database under database/ and a prompt that fits the model's ${answering.model.config.shape.maxPositions} positions`,
  };
}

async function answerTrainingQuestions(
  answering: Answering,
  questions: readonly TrainingQuestion[],
  onAnswered: (done: number) => void,
): Promise<DemoAnswer[]> {
  const answers: DemoAnswer[] = [];
  for (const { id, human, answer } of questions) {
    const result = await answering.model.generate(answering.request(human));
    const gold = extractSql({ text: answer })?.sql ?? answer;
    const predicted = extractSql({ text: result.text })?.sql ?? '';
    answers.push({
      kind: 'training',
      question: human,
      database: id,
      gold,
      output: result.text,
      predicted,
      reproduced: predicted !== '' && squeeze(predicted) === squeeze(gold),
    });
    onAnswered(answers.length);
  }
  return answers;
}

/** The Spider questions predicted into spider/ as `aquila predict` does, read back from its raw_pred.jsonl. */
async function predictSpiderQuestions(
  stage: DemoStage,
  answering: Answering,
  spider: string,
  questions: readonly BenchmarkQuestion[],
  onPredicted: (done: number) => void,
): Promise<DemoAnswer[]> {
  const { signal } = stage;
  const spiderFolder = join(stage.output, 'spider');
  await predictBenchmark({
    benchmark: 'spider',
    questions: join(spider, 'dev.json'),
    tables: join(spider, 'tables.json'),
    model: answering.model,
    modelDescription: { kind: 'local', path: answering.modelDirectory },
    output: spiderFolder,
    ids: questions.map(({ id }) => id),
    generation: answering.settings,
    onProgress: ({ done }) => onPredicted(done),
    ...(signal === undefined ? {} : { signal }),
  });
  const predictions = new Map(
    (await readFile(join(spiderFolder, predictionFiles.raw), 'utf8'))
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as RawPrediction)
      .map((prediction) => [prediction.id, prediction]),
  );
  return questions.map((question) => {
    const prediction = predictions.get(question.id);
    return {
      kind: 'spider',
      question: question.question,
      database: question.databaseId,
      gold: question.query,
      output: prediction?.output ?? '',
      predicted: prediction?.sql ?? '',
    };
  });
}

/** A few training questions, then Spider dev questions on the databases present. */
async function answerWithModel(
  stage: DemoStage,
  options: RunDemoOptions,
  spider: string | undefined,
  answering: Answering,
  sftRecords: readonly SftRecord[],
): Promise<{ answers: DemoAnswer[]; spiderSkipped?: string }> {
  const trainingQuestions = sftRecords
    .slice(0, options.trainingQuestions ?? 3)
    .map((record) => ({
      id: record.id,
      human: record.conversations.find(({ from }) => from === 'human')?.value ?? '',
      answer: record.conversations.find(({ from }) => from === 'gpt')?.value ?? '',
    }))
    .filter(({ human }) => answering.fits(human));
  const spiderQuestions = await chooseSpiderQuestions(stage, options, spider, answering);
  if (spiderQuestions.skipped !== undefined) stage.log(`spider: skipped: ${spiderQuestions.skipped}`);
  const total = trainingQuestions.length + spiderQuestions.questions.length;
  const answers = await stage.timings.time('generate', async () => {
    const training = await answerTrainingQuestions(answering, trainingQuestions, (done) =>
      options.onGenerateProgress?.({ done, total }),
    );
    if (spider === undefined || spiderQuestions.questions.length === 0) return training;
    const onPredicted = (done: number): void =>
      options.onGenerateProgress?.({ done: trainingQuestions.length + done, total });
    return [
      ...training,
      ...(await predictSpiderQuestions(stage, answering, spider, spiderQuestions.questions, onPredicted)),
    ];
  });
  return spiderQuestions.skipped === undefined ? { answers } : { answers, spiderSkipped: spiderQuestions.skipped };
}

/** 4. The model's answers, generated as `aquila predict` generates them. */
async function answerQuestions(
  stage: DemoStage,
  options: RunDemoOptions,
  modelDirectory: string,
  sftRecords: readonly SftRecord[],
): Promise<{ answers: DemoAnswer[]; spider?: string; spiderSkipped?: string }> {
  const { signal } = stage;
  const spider =
    options.spider === undefined || !existsSync(join(options.spider, 'dev.json')) ? undefined : resolve(options.spider);
  const tokenizer = await loadAquilaTokenizer(signal === undefined ? {} : { signal });
  const maxNewTokens = options.maxNewTokens ?? 80;
  const settings: SqlGenerationSettings = { ...sqlGenerationPresets.greedy, maxNewTokens };
  const model = await LanguageModel.load({ path: modelDirectory, tokenizer });
  let answered: { answers: DemoAnswer[]; spiderSkipped?: string };
  try {
    const request = (prompt: string) =>
      sqlGenerationRequest({ prompt, settings, tokenizer, ...(signal === undefined ? {} : { signal }) });
    const fits = (prompt: string): boolean =>
      (request(prompt).promptIds?.length ?? Number.POSITIVE_INFINITY) + maxNewTokens <= model.config.shape.maxPositions;
    answered = await answerWithModel(
      stage,
      options,
      spider,
      { model, modelDirectory, settings, request, fits },
      sftRecords,
    );
  } finally {
    await model.release();
  }
  const { answers } = answered;
  const reproduced = answers.filter(({ reproduced: same }) => same === true).length;
  stage.log(
    `generate: ${answers.length} answers; ${reproduced} of ${answers.filter(({ kind }) => kind === 'training').length} training questions reproduced exactly`,
  );
  return spider === undefined ? answered : { ...answered, spider };
}

/** 5. The Spider answers scored with the official metrics (exact set match and execution), as `aquila predict --eval`. */
async function evaluateSpiderAnswers(
  stage: DemoStage,
  spider: string | undefined,
  spiderSkipped: string | undefined,
  answers: readonly DemoAnswer[],
): Promise<DemoResult['spider']> {
  const spiderAnswers = answers.filter(({ kind }) => kind === 'spider');
  if (spider === undefined || spiderAnswers.length === 0) return { skipped: spiderSkipped ?? '' };
  const { signal } = stage;
  const { summary, items } = await stage.timings.time('evaluate', () =>
    evaluatePredictions({
      output: join(stage.output, 'spider'),
      databases: join(spider, 'database'),
      tables: join(spider, 'tables.json'),
      ...(signal === undefined ? {} : { signal }),
    }),
  );
  for (const item of items) {
    const answer = spiderAnswers[item.i];
    if (answer !== undefined) answer.verdict = item;
  }
  stage.log(
    `evaluate: Spider dev, ${summary.count.all} questions: exact match ${summary.matched.exact.all}, execution ${summary.matched.exec.all}`,
  );
  return { summary };
}

/**
 * The end-to-end demo on embedded defaults: SFT data from the sample sources shipped with the CLI (@aquila/data),
 * a tiny LLaMA-shaped model trained on it in-process (@aquila/train), converted to ONNX (@aquila/runtime), answers
 * to training questions and to Spider dev questions on the shared databases, predicted and scored as
 * `aquila predict --eval` does (@aquila/text-to-sql), and one HTML report. A model this small trained on a dozen
 * records memorises them and scores about 0 on Spider: the demo shows the pipeline, and the report says so.
 */
export async function runDemo(options: RunDemoOptions): Promise<DemoResult> {
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
  const stage: DemoStage = {
    output,
    log: options.onLog ?? ((): void => undefined),
    timings: new StageTimings(),
    signal: options.signal,
  };
  const { build, sftRecords, data } = await buildDemoData(stage);
  const { modelDirectory, training, events } = await prepareDemoModel(stage, options);
  const { answers, spider, spiderSkipped } = await answerQuestions(stage, options, modelDirectory, sftRecords);
  const spiderResult = await evaluateSpiderAnswers(stage, spider, spiderSkipped, answers);

  // 6. The report, and what the folder holds.
  const reportFile = join(output, 'report.html');
  const result: DemoResult = {
    reportFile,
    data,
    ...(training === undefined ? {} : { training }),
    modelDirectory,
    answers,
    spider: spiderResult,
    outputBytes: 0,
  };
  const timings = stage.timings.entries;
  timings.push(['total', (performance.now() - started) / 1000]);
  await writeFileAtomic({ path: reportFile, data: renderDemoReport({ result, build, events, timings }) });
  const size = await describeSize(output);
  result.outputBytes = size.bytes;
  stage.log(`report: ${reportFile}; ${output} holds ${size.text}`);
  return result;
}
