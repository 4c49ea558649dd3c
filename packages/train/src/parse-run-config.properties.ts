// Properties of the run config parser, run in a worker with a wall-clock limit (parse-run-config.test.ts).
import fc from 'fast-check';
import { stringify } from 'yaml';
import { RunConfigError } from './errors.js';
import { parseRunConfig } from './parse-run-config.js';

const file = '/runs/fuzz.yaml';

/** Parses `text`; any failure must be a RunConfigError that names the file in one line. */
function parseOrExplain(text: string): void {
  try {
    parseRunConfig({ text, file });
  } catch (error) {
    if (!RunConfigError.isInstance(error))
      throw new Error(`not a RunConfigError for ${JSON.stringify(text)}: ${String(error)}`);
    if (!error.message.startsWith(`${file}: `) || /[\r\n]/.test(error.message))
      throw new Error(`the message does not name the file in one line: ${JSON.stringify(error.message)}`);
  }
}

// Keys of both dialects and of every section, so that generated documents reach the checks behind the schema.
const keys = fc.constantFrom(
  'name',
  'task',
  'engine',
  'output',
  'seed',
  'model',
  'data',
  'optimizer',
  'schedule',
  'batch',
  'parallelism',
  'precision',
  'checkpoints',
  'logInterval',
  'flagscale',
  'tokenizer',
  'layers',
  'hiddenSize',
  'attentionHeads',
  'ffnHiddenSize',
  'vocabSize',
  'sequenceLength',
  'preset',
  'checkpoint',
  'blend',
  'prefix',
  'weight',
  'sftFile',
  'split',
  'packing',
  'lr',
  'minLr',
  'trainIterations',
  'trainSamples',
  'epochs',
  'warmupFraction',
  'warmupSamples',
  'decayStyle',
  'microBatchSize',
  'globalBatchSize',
  'gradientAccumulationSteps',
  'tensor',
  'pipeline',
  'nodes',
  'gpusPerNode',
  'hostfile',
  'saveInterval',
  'root',
  'python',
  'environment',
  'batch_size',
  'epochs',
  'warm_up',
  'fp16',
  'bf16',
  'pretrain_data',
  'enable_sft_conversations_dataset_v2',
  'enable_sft_dataset_dir',
  'enable_sft_dataset_file',
  'enable_pretrain_dataset_prefix',
  'pre_load_dir',
  'model_name',
  'warmup_start_lr',
  'save_dir',
  'bmt_cpu_offload',
  'x',
  '__proto__',
  'constructor',
);
const scalars = fc.oneof(
  fc.integer({ min: -3, max: 4096 }),
  fc.double(),
  fc.constantFrom(0, 1, 2, 8, 64, 1e20, 2 ** 53, Number.POSITIVE_INFINITY, Number.NaN),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(
    '',
    'x',
    'sft',
    'pretrain',
    'local',
    'flagscale',
    'cosine',
    'bf16',
    'aquila-7b',
    '90,10',
    'a\nb',
    'data/x_text_document',
  ),
  fc.string({ maxLength: 6 }),
);
const { tree } = fc.letrec<{ tree: unknown }>((self) => ({
  tree: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalars,
    fc.array(self('tree'), { maxLength: 3 }),
    fc.dictionary(keys, self('tree'), { maxKeys: 4 }),
  ),
}));

export function documentsGiveAConfigOrARunConfigError(): void {
  fc.assert(
    fc.property(fc.dictionary(keys, tree, { maxKeys: 6 }), (document) => parseOrExplain(stringify(document))),
    { numRuns: 4000 },
  );
}

const yamlUnit = fc.constantFrom(
  'a',
  'b',
  ':',
  ': ',
  ' ',
  '  ',
  '\n',
  '\r\n',
  '\t',
  '-',
  '- ',
  '{',
  '}',
  '[',
  ']',
  ',',
  '&a',
  '*a',
  '*b',
  '!!',
  '!!str',
  '!!binary',
  '"',
  "'",
  '#',
  '? ',
  '|',
  '>',
  '%YAML 1.2',
  '---',
  '...',
  '@',
  '`',
  '1',
  '.5',
  'e3',
  '.inf',
  '.nan',
  '~',
  'null',
  'true',
  'data',
  'blend',
  'prefix',
  'weight',
  'model',
  'layers',
  '<<',
  '\u0000',
  '\ufeff',
  'é',
  '😀',
);

export function anyTextGivesAConfigOrARunConfigError(): void {
  fc.assert(fc.property(fc.string({ unit: yamlUnit, maxLength: 40 }), parseOrExplain), { numRuns: 6000 });
}
