import { createIndexedDatasetWriter, type IndexedDatasetSummary } from '../indexed/indexed-dataset-writer.js';
import { readJsonLines } from '../sources/read-json-lines.js';
import { documentFramingIds, type DocumentFraming, type PackTokenizer } from './pack-tokenizer.js';

export interface PackJsonlOptions extends DocumentFraming {
  tokenizer: PackTokenizer;
  /** JSONL, one document per line. */
  input: string;
  /** Files are `<outputPrefix>_<jsonKey>_document.{bin,idx}`, as Megatron's and FlagAI's preprocess_data name them. */
  outputPrefix: string;
  /** The field holding each document's text; `text` by default. */
  jsonKey?: string;
  signal?: AbortSignal;
  onProgress?: (progress: { documents: number; tokens: number }) => void;
}

export interface PackJsonlSummary extends IndexedDatasetSummary {
  /** Lines that were not JSON objects with a string `jsonKey`. */
  skipped: { line: number; detail: string }[];
}

/**
 * Tokenises a JSONL file into a Megatron MMIDIDX pair, one sequence per document, like FlagAI's
 * `preprocess_data_args.py` (convention `flagai`: `[CLS] … </s>`) or Megatron/FlagScale's `preprocess_data.py
 * --append-eod` (convention `flagscale`: `… </s>`). Streams: memory holds one line and the index.
 */
export async function packJsonl(options: PackJsonlOptions): Promise<PackJsonlSummary> {
  const jsonKey = options.jsonKey ?? 'text';
  const writer = await createIndexedDatasetWriter({
    prefix: `${options.outputPrefix}_${jsonKey}_document`,
    vocabularySize: options.tokenizer.vocabSize,
    ...documentFramingIds(options.tokenizer, options),
    signal: options.signal,
  });
  const skipped: PackJsonlSummary['skipped'] = [];
  let documents = 0;
  let tokens = 0;
  try {
    for await (const event of readJsonLines({ path: options.input, signal: options.signal })) {
      if (event.type === 'bad-line') {
        skipped.push({ line: event.line, detail: event.detail });
        continue;
      }
      const text = typeof event.value === 'object' && event.value !== null ? (event.value as Record<string, unknown>)[jsonKey] : undefined;
      if (typeof text !== 'string') {
        skipped.push({ line: event.line, detail: `no string field "${jsonKey}"` });
        continue;
      }
      const ids = options.tokenizer.encode(text, { addSpecialTokens: false });
      await writer.addDocument(ids);
      documents++;
      tokens += ids.length;
      if (documents % 1000 === 0) options.onProgress?.({ documents, tokens });
    }
    const summary = await writer.finish();
    options.onProgress?.({ documents, tokens });
    return { ...summary, skipped };
  } catch (error) {
    await writer.abort();
    throw error;
  }
}
