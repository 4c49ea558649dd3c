import {
  createIndexedDatasetWriter,
  type IndexedDatasetSummary,
  type IndexedDatasetWriterOptions,
} from './indexed-dataset-writer.js';

export interface WriteIndexedDatasetOptions extends IndexedDatasetWriterOptions {
  /** One token array per document. */
  documents: AsyncIterable<ArrayLike<number>> | Iterable<ArrayLike<number>>;
}

/** Writes every document to `<prefix>.bin/.idx`; on any failure (or abort) nothing is left under the final names. */
export async function writeIndexedDataset(options: WriteIndexedDatasetOptions): Promise<IndexedDatasetSummary> {
  const writer = await createIndexedDatasetWriter(options);
  try {
    for await (const document of options.documents) await writer.addDocument(document);
    return await writer.finish();
  } catch (error) {
    await writer.abort();
    throw error;
  }
}
