import { type BadLineError, BadLinePolicy, checkOutputPaths, readTextLines } from '@aquila/files';
import { createIndexedDatasetWriter, type IndexedDatasetSummary } from '@aquila/formats';
import { NoDocumentsError } from '../errors.js';
import { checkInputFile } from '../internal/check-input-file.js';
import { jsonLineText } from './json-line-text.js';
import { type DocumentFraming, documentFramingIds, type PackTokenizer } from './pack-tokenizer.js';

export interface PackJsonlOptions extends DocumentFraming {
  tokenizer: PackTokenizer;
  /** JSONL, one document per line. */
  input: string;
  /** Files are `<outputPrefix>_<jsonKey>_document.{bin,idx}`, as Megatron's and FlagAI's preprocess_data name them. */
  outputPrefix: string;
  /** The field holding each document's text; `text` by default. */
  jsonKey?: string;
  /**
   * Lines that hold no document (not JSON, not an object, no string `jsonKey`, not UTF-8): by default the
   * first one stops the pack with a `BadLineError` naming file:line, and nothing is written; with a policy
   * that skips, they are counted in it (and in the summary).
   */
  badLines?: BadLinePolicy;
  signal?: AbortSignal;
  onProgress?: (progress: { documents: number; tokens: number }) => void;
}

export interface PackJsonlSummary extends IndexedDatasetSummary {
  /** The first lines skipped as bad (at most 5), with what was wrong. */
  skipped: { line: number; detail: string }[];
  /** Every line skipped as bad. */
  skippedCount: number;
}

/** Reports to the caller's policy (which throws unless skipping) and keeps this pack's own count for the summary. */
class ForwardingBadLinePolicy extends BadLinePolicy {
  readonly #caller: BadLinePolicy;

  constructor(caller: BadLinePolicy) {
    super({ skip: caller.skip });
    this.#caller = caller;
  }

  override report(error: BadLineError): void {
    this.#caller.report(error);
    super.report(error);
  }
}

/**
 * Tokenises a JSONL file into a Megatron MMIDIDX pair, one sequence per document, like FlagAI's
 * `preprocess_data_args.py` (convention `flagai`: `[CLS] … </s>`) or Megatron/FlagScale's `preprocess_data.py
 * --append-eod` (convention `flagscale`: `… </s>`). Streams: memory holds one line and the index. The pair
 * appears under its final names only when complete; an error or an abort leaves neither it nor a temporary file.
 */
export async function packJsonl(options: PackJsonlOptions): Promise<PackJsonlSummary> {
  options.signal?.throwIfAborted();
  const jsonKey = options.jsonKey ?? 'text';
  const prefix = `${options.outputPrefix}_${jsonKey}_document`;
  const input = { path: options.input, label: 'the input' };
  await checkInputFile(input);
  await checkOutputPaths({
    outputs: [
      { path: `${prefix}.bin`, label: 'the output' },
      { path: `${prefix}.idx`, label: 'the output' },
    ],
    inputs: [input],
  });
  const badLines = new ForwardingBadLinePolicy(options.badLines ?? new BadLinePolicy());
  const writer = await createIndexedDatasetWriter({
    prefix,
    vocabularySize: options.tokenizer.vocabSize,
    ...documentFramingIds(options.tokenizer, options),
    signal: options.signal,
  });
  let documents = 0;
  let tokens = 0;
  try {
    for await (const { text, line } of readTextLines({ input: options.input, badLines, signal: options.signal })) {
      if (text.trim() === '') continue;
      let document: string;
      try {
        document = jsonLineText({ text, line, source: options.input, jsonKey });
      } catch (error) {
        badLines.report(error as BadLineError);
        continue;
      }
      const ids = options.tokenizer.encode(document, { addSpecialTokens: false });
      await writer.addDocument(ids);
      documents++;
      tokens += ids.length;
      if (documents % 1000 === 0) options.onProgress?.({ documents, tokens });
    }
    if (documents === 0) {
      const first = badLines.first[0];
      throw new NoDocumentsError(
        first === undefined
          ? `${options.input} holds no JSON lines, so there is nothing to pack: give a JSONL file with one {${JSON.stringify(jsonKey)}: "…"} object per line.`
          : `${options.input}: no line holds a document with a string ${JSON.stringify(jsonKey)} field (${badLines.count} bad line${badLines.count === 1 ? '' : 's'}, the first at line ${first.line}: ${first.problem}), so there is nothing to pack; check the file and --json-key.`,
      );
    }
    const summary = await writer.finish();
    options.onProgress?.({ documents, tokens });
    return {
      ...summary,
      skipped: badLines.first.map(({ line, problem }) => ({ line, detail: problem })),
      skippedCount: badLines.count,
    };
  } catch (error) {
    await writer.abort();
    throw error;
  }
}
