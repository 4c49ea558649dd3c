import { mkdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { writeFileAtomic } from '@aquila/files';
import { decodeNpy, encodeNpy, type NpyArray } from '@aquila/formats';
import { type BuildIndexMapsOptions, buildIndexMaps, type IndexMaps } from './build-index-maps.js';
import { IndexMapCacheError } from './errors.js';

/** Options of `loadIndexMaps`: the build parameters plus where the cache lives. */
export interface LoadIndexMapsOptions extends BuildIndexMapsOptions {
  /** The dataset prefix (path without `.bin`/`.idx`), e.g. `data/demo_text_document`. */
  prefix: string;
  /** The split's name in the file names: `train`, `valid` or `test`. */
  name: string;
  /** Directory for the `.npy` files (Megatron's `--data-cache-path`); default: beside the dataset. */
  cacheDirectory?: string;
  signal?: AbortSignal;
}

/** The three cache files of one split, named as Megatron names them. */
export interface IndexMapFiles {
  documentIndex: string;
  sampleIndex: string;
  shuffleIndex: string;
}

/** `{prefix}_{name}_indexmap_{numSamples}ns_{sequenceLength}sl_{seed}s_{doc,sample,shuffle}_idx.npy`. */
function indexMapFiles(
  options: Pick<LoadIndexMapsOptions, 'prefix' | 'name' | 'numSamples' | 'sequenceLength' | 'seed' | 'cacheDirectory'>,
): IndexMapFiles {
  const stem = `${options.cacheDirectory === undefined ? options.prefix : join(options.cacheDirectory, basename(options.prefix))}_${options.name}_indexmap_${options.numSamples}ns_${options.sequenceLength}sl_${options.seed}s`;
  return {
    documentIndex: `${stem}_doc_idx.npy`,
    sampleIndex: `${stem}_sample_idx.npy`,
    shuffleIndex: `${stem}_shuffle_idx.npy`,
  };
}

type IndexMapArrays = Pick<IndexMaps, 'documentIndex' | 'sampleIndex' | 'shuffleIndex'>;

/** The index maps of one split, where they are cached, and whether they were read from that cache. */
export interface LoadedIndexMaps extends IndexMapArrays {
  files: IndexMapFiles;
  cached: boolean;
}

async function readCached(path: string): Promise<NpyArray | undefined> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return decodeNpy({ bytes, source: path });
}

function checkCached(
  maps: { documentIndex: NpyArray; sampleIndex: NpyArray; shuffleIndex: NpyArray },
  files: IndexMapFiles,
  sizes: ArrayLike<number>,
): IndexMapArrays {
  const fail = (file: string, what: string): never => {
    throw new IndexMapCacheError(
      `${file}: ${what}; it was built for another dataset or is damaged; delete the three *_idx.npy files beside it to rebuild them`,
    );
  };
  const { documentIndex, sampleIndex, shuffleIndex } = maps;
  if (!(documentIndex.data instanceof Int32Array) || documentIndex.shape.length !== 1)
    return fail(files.documentIndex, 'expected a 1-d int32 array');
  if (!(sampleIndex.data instanceof Int32Array) || sampleIndex.shape.length !== 2 || sampleIndex.shape[1] !== 2)
    return fail(files.sampleIndex, 'expected an [n, 2] int32 array');
  if (!(shuffleIndex.data instanceof Uint32Array) || shuffleIndex.shape.length !== 1)
    return fail(files.shuffleIndex, 'expected a 1-d uint32 array');
  const sampleCount = (sampleIndex.shape[0] as number) - 1;
  if (shuffleIndex.data.length !== sampleCount)
    fail(files.shuffleIndex, `holds ${shuffleIndex.data.length} samples, sample_idx holds ${sampleCount}`);
  for (const document of documentIndex.data)
    if (document < 0 || document >= sizes.length)
      fail(files.documentIndex, `names document ${document} of a dataset with ${sizes.length}`);
  for (const sample of shuffleIndex.data)
    if (sample >= sampleCount) fail(files.shuffleIndex, `names sample ${sample} of ${sampleCount}`);
  for (let row = 0; row <= sampleCount; row += 1) {
    const position = sampleIndex.data[2 * row] as number;
    const offset = sampleIndex.data[2 * row + 1] as number;
    const document = documentIndex.data[position];
    if (document === undefined || offset < 0 || offset >= Math.max(1, sizes[document] as number))
      fail(files.sampleIndex, `row ${row} (${position}, ${offset}) points outside the documents`);
  }
  return { documentIndex: documentIndex.data, sampleIndex: sampleIndex.data, shuffleIndex: shuffleIndex.data };
}

/**
 * Megatron's cached index maps of one split: read from the three `.npy` files when they all exist
 * (checked against the dataset), else built with `buildIndexMaps` and written there atomically.
 */
export async function loadIndexMaps(options: LoadIndexMapsOptions): Promise<LoadedIndexMaps> {
  const files = indexMapFiles(options);
  const [documentIndex, sampleIndex, shuffleIndex] = await Promise.all([
    readCached(files.documentIndex),
    readCached(files.sampleIndex),
    readCached(files.shuffleIndex),
  ]);
  options.signal?.throwIfAborted();
  if (documentIndex !== undefined && sampleIndex !== undefined && shuffleIndex !== undefined) {
    return { ...checkCached({ documentIndex, sampleIndex, shuffleIndex }, files, options.sizes), files, cached: true };
  }
  const maps = buildIndexMaps(options);
  options.signal?.throwIfAborted();
  if (options.cacheDirectory !== undefined) await mkdir(options.cacheDirectory, { recursive: true });
  await writeFileAtomic({ path: files.documentIndex, data: encodeNpy({ data: maps.documentIndex }) });
  await writeFileAtomic({
    path: files.sampleIndex,
    data: encodeNpy({ data: maps.sampleIndex, shape: [maps.sampleIndex.length / 2, 2] }),
  });
  await writeFileAtomic({ path: files.shuffleIndex, data: encodeNpy({ data: maps.shuffleIndex }) });
  return {
    documentIndex: maps.documentIndex,
    sampleIndex: maps.sampleIndex,
    shuffleIndex: maps.shuffleIndex,
    files,
    cached: false,
  };
}
