// Test and benchmark scaffolding: a real converted decoder over Aquila's vocabulary that answers every prompt
// with one fixed text, so tests know what the local runtime path must extract, align and score.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  convertCheckpoint,
  modelWeightName,
  openCheckpoint,
  writeRandomCheckpoint,
  writeSafetensors,
} from '@aquila/runtime';
import { loadAquilaTokenizer, writeTokenizerFiles } from '@aquila/tokenizer';

const vocabSize = 100008;
const hidden = 64;
const eos = 100007;

export interface RuleModel {
  /** The converted folder, with the Aquila tokenizer files. */
  path: string;
  remove(): Promise<void>;
}

/**
 * Writes and converts a one-layer decoder whose attention and MLP write nothing, so each position's state is
 * its token's embedding: a one-hot slot. Slot 0 holds every token outside the answer and leads to the answer's
 * first token; the answer's tokens lead to the next one, the last to EOS. Greedy decoding after any prompt
 * (ending outside the answer's tokens) therefore writes `answer`, through conversion, onnxruntime, the
 * scheduler and the tokenizer. The answer's tokens must be distinct.
 */
export async function writeRuleModel(options: { answer: string }): Promise<RuleModel> {
  const tokenizer = await loadAquilaTokenizer();
  const answer = tokenizer.encode(options.answer);
  if (new Set(answer).size !== answer.length || answer.length + 1 > hidden)
    throw new Error(
      `the answer needs at most ${hidden - 1} distinct tokens; ${JSON.stringify(options.answer)} has ${answer.length}.`,
    );
  const directory = await mkdtemp(join(tmpdir(), 'aquila-text-to-sql-model-'));
  const checkpoint = join(directory, 'checkpoint');
  const shape = {
    vocabSize,
    hiddenSize: hidden,
    intermediateSize: 128,
    layerCount: 1,
    headCount: 4,
    keyValueHeadCount: 4,
    headSize: 16,
    rmsNormEpsilon: 1e-6,
    ropeTheta: 10000,
    maxPositions: 2048,
    tiedEmbeddings: false,
  };
  await writeRandomCheckpoint({ directory: checkpoint, shape, naming: 'hf', format: 'safetensors' });
  const embedding = new Float32Array(vocabSize * hidden);
  const head = new Float32Array(vocabSize * hidden);
  for (let token = 0; token < vocabSize; token += 1) embedding[token * hidden] = 1;
  [undefined, ...answer].forEach((from, slot) => {
    if (from !== undefined) {
      embedding[from * hidden] = 0;
      embedding[from * hidden + slot] = 1;
    }
    head[(answer[slot] ?? eos) * hidden + slot] = 4;
  });
  // Keep the random checkpoint's names and shapes; only the values change.
  const random = await openCheckpoint({ path: checkpoint });
  const tensors = random.tensors.map(({ name, shape: tensorShape }) => {
    const values =
      name === modelWeightName('hf', 'embedding')
        ? embedding
        : name === modelWeightName('hf', 'languageModelHead')
          ? head
          : new Float32Array(tensorShape.reduce((product, size) => product * size, 1));
    if (tensorShape.length === 1) values.fill(1);
    return { name, shape: [...tensorShape], dtype: 'F32' as const, values };
  });
  const file = random.tensors[0]?.file as string;
  await random.close();
  await writeSafetensors({ path: file, tensors, metadata: { format: 'pt' } });
  // Written from the tokenizer package's own asset, so no 3.6 MB tokenizer.json has to ship as a fixture.
  await writeTokenizerFiles({ tokenizer, directory: checkpoint });
  const path = join(directory, 'model');
  await convertCheckpoint({ checkpoint, output: path, generation: { stopTokenIds: [eos] } });
  await rm(checkpoint, { recursive: true, force: true });
  return { path, remove: () => rm(directory, { recursive: true, force: true }) };
}
