import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { describeValue } from '@aquila/errors';
import { CheckpointFormatError } from '../errors.js';

export interface FindWeightFilesOptions {
  /** A model folder, one weight file (`.safetensors`, `.bin`, `.pt`, `.pth`), or a shard index (`*.index.json`). */
  path: string;
}

export interface WeightFiles {
  /** The folder the files are in (the model folder: config and tokenizer files sit beside the weights). */
  folder: string;
  /** The weight files to open, full paths, in order. */
  files: string[];
  /** How they were found: the index that names them, the file given, or the file-name pattern that matched. */
  foundBy: string;
  /**
   * true: Meta's model-parallel `consolidated.NN.pth` shards, each holding a slice of every tensor (`openCheckpoint`
   * joins the slices); absent: each tensor is whole in one file.
   */
  modelParallel?: true;
}

/** Shard indexes, in the order they are looked for. */
const indexNames = ['model.safetensors.index.json', 'pytorch_model.bin.index.json'];

/** Meta's `consolidated.NN.pth`; more than one are model-parallel shards. */
const consolidatedPattern = /^consolidated.*\.pth$/;

/**
 * Weight files by name, in the order they are looked for when a folder has no index: HF safetensors, HF
 * PyTorch, Meta's `consolidated.NN.pth`. Nothing else is opened: a trainer's folder also holds
 * `optimizer.pt`, `scheduler.pt`, `training_args.bin` and `rng_state*.pth`, which are no model weights.
 */
const weightPatterns: readonly { label: string; test: RegExp }[] = [
  { label: 'model*.safetensors', test: /^model.*\.safetensors$/ },
  { label: 'pytorch_model*.bin', test: /^pytorch_model.*\.bin$/ },
  { label: 'consolidated*.pth', test: consolidatedPattern },
];

/** The `consolidated*.pth` files of a folder, in shard order. */
async function consolidatedShards(folder: string): Promise<string[]> {
  return (await readdir(folder)).filter((name) => consolidatedPattern.test(name)).sort();
}

const weightExtensions = ['.safetensors', '.bin', '.pt', '.pth'];

/** The shard files an index (`model.safetensors.index.json`) names, checked to stay inside the folder. */
async function readShardIndex(path: string): Promise<string[]> {
  let index: unknown;
  try {
    index = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new CheckpointFormatError(`${path}: cannot read the shard index (${(error as Error).message}).`, {
      cause: error,
    });
  }
  const map = (index as { weight_map?: unknown } | null)?.weight_map;
  if (typeof map !== 'object' || map === null)
    throw new CheckpointFormatError(`${path}: the shard index has no weight_map object.`);
  const files = new Set<string>();
  for (const [name, file] of Object.entries(map)) {
    if (typeof file !== 'string' || basename(file) !== file || file.startsWith('.')) {
      throw new CheckpointFormatError(
        `${path}: weight_map entry ${describeValue(name, 200)} names ${describeValue(file, 200)}, which is not a file in the same folder.`,
      );
    }
    files.add(file);
  }
  return [...files].sort();
}

/**
 * The weight files of a checkpoint: the file given; else the folder's shard index
 * (`model.safetensors.index.json`, then `pytorch_model.bin.index.json`); else the files named like weights
 * (`model*.safetensors`, then `pytorch_model*.bin`, then `consolidated*.pth`), never optimizer or trainer
 * state. No match is a `CheckpointFormatError` that lists what the folder holds.
 */
export async function findWeightFiles(options: FindWeightFilesOptions): Promise<WeightFiles> {
  const { path } = options;
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(path)).isDirectory();
  } catch (error) {
    throw new CheckpointFormatError(`${path}: no such checkpoint file or folder.`, { cause: error });
  }
  if (!isDirectory) {
    const folder = dirname(path);
    if (path.endsWith('.index.json')) {
      const files = await readShardIndex(path);
      return { folder, files: files.map((file) => join(folder, file)), foundBy: basename(path) };
    }
    if (!weightExtensions.some((extension) => path.endsWith(extension)))
      throw new CheckpointFormatError(
        `${path}: not a weight file (${weightExtensions.join(', ')}) or a shard index (*.index.json); name the model folder or one of its weight files.`,
      );
    const shards = consolidatedPattern.test(basename(path)) ? await consolidatedShards(folder) : [];
    if (shards.length > 1)
      throw new CheckpointFormatError(
        `${path} is one of the model-parallel shards ${shards.join(', ')}, each holding a slice of every tensor: name the folder ${folder} to convert them together.`,
      );
    return { folder, files: [path], foundBy: 'the file given' };
  }
  const names = await readdir(path);
  for (const index of indexNames) {
    if (names.includes(index)) {
      const files = await readShardIndex(join(path, index));
      return { folder: path, files: files.map((file) => join(path, file)), foundBy: index };
    }
  }
  for (const { label, test } of weightPatterns) {
    const files = names.filter((name) => test.test(name)).sort();
    if (files.length === 0) continue;
    // Meta's consolidated.00.pth, consolidated.01.pth, …: model-parallel shards, not tensors spread over files.
    const modelParallel = label === 'consolidated*.pth' && files.length > 1 ? { modelParallel: true as const } : {};
    return { folder: path, files: files.map((file) => join(path, file)), foundBy: label, ...modelParallel };
  }
  const others = names.filter((name) => weightExtensions.some((extension) => name.endsWith(extension))).sort();
  throw new CheckpointFormatError(
    `${path}: no weight files (an index, ${weightPatterns.map(({ label }) => label).join(', ')}) in the folder` +
      (others.length > 0
        ? `; it holds ${others.slice(0, 8).join(', ')}${others.length > 8 ? ', …' : ''}, which are not read as weights by name (optimizer and trainer state look the same): pass the weight file itself as the path.`
        : '.'),
  );
}
