import { LossMaskLengthError } from '../errors.js';
import type { IndexedDatasetDtype } from './indexed-dataset-index.js';
import { createIndexedDatasetWriter, type IndexedDatasetSummary } from './indexed-dataset-writer.js';

export interface SftIndexedDatasetWriterOptions {
  /** Output prefix: writes `<prefix>_text_document.{bin,idx}` and `<prefix>_loss_mask_document.{bin,idx}`. */
  prefix: string;
  dtype?: IndexedDatasetDtype;
  vocabularySize?: number;
  signal?: AbortSignal;
}

export interface SftDocument {
  /** Token ids of the whole example, BOS and EOS included. */
  ids: ArrayLike<number>;
  /** 1 where the token is a training target, 0 elsewhere; as long as `ids`. */
  lossMask: ArrayLike<number>;
}

export interface SftIndexedDatasetWriter {
  addDocument(document: SftDocument): Promise<void>;
  finish(): Promise<{ text: IndexedDatasetSummary; lossMask: IndexedDatasetSummary }>;
  abort(): Promise<void>;
}

/**
 * Writes FlagScale's SFT pair: `X_text_document` and its sibling `X_loss_mask_document` with identical
 * sequence lengths and document indices (`apply_sft_dataset_separated_loss_mask_if_existed`). The mask uses
 * the text's dtype, as FlagScale's preprocessing tools produce it.
 */
export async function createSftIndexedDatasetWriter(
  options: SftIndexedDatasetWriterOptions,
): Promise<SftIndexedDatasetWriter> {
  const text = await createIndexedDatasetWriter({ ...options, prefix: `${options.prefix}_text_document` });
  const lossMask = await createIndexedDatasetWriter({
    dtype: text.dtype,
    prefix: `${options.prefix}_loss_mask_document`,
    signal: options.signal,
  }).catch(async (error: unknown) => {
    await text.abort();
    throw error;
  });
  let documents = 0;
  async function abort(): Promise<void> {
    await Promise.all([text.abort(), lossMask.abort()]);
  }
  return {
    async addDocument(document) {
      if (document.ids.length !== document.lossMask.length) {
        throw new LossMaskLengthError(
          `SFT document ${documents}: ${document.ids.length} token ids but ${document.lossMask.length} loss-mask values; they must be equal.`,
        );
      }
      await text.addDocument(document.ids);
      await lossMask.addDocument(document.lossMask);
      documents++;
    },
    async finish() {
      try {
        const textSummary = await text.finish();
        return { text: textSummary, lossMask: await lossMask.finish() };
      } catch (error) {
        await abort();
        throw error;
      }
    },
    abort,
  };
}
