import { SftRecordError } from './errors.js';
import { ignoreIndex, type SftExample } from './sft-example.js';

/** A fixed-length training row: padded or packed examples. */
export interface SftRow extends SftExample {
  /** Where each example starts in the row (attention must not cross these boundaries). */
  exampleStarts: number[];
}

/** FlagAI's collate: every example padded to `length` with id 0 (`<|endoftext|>`) and label -100. */
export function padSftExample(options: { example: SftExample; length: number; padTokenId?: number }): SftRow {
  const { example, length } = options;
  if (example.inputIds.length > length)
    throw new SftRecordError(
      `an example of ${example.inputIds.length} tokens does not fit a row of ${length}; truncate it with maxLength first`,
    );
  const inputIds = new Int32Array(length).fill(options.padTokenId ?? 0);
  const labels = new Int32Array(length).fill(ignoreIndex);
  inputIds.set(example.inputIds);
  labels.set(example.labels);
  return { inputIds, labels, exampleStarts: [0] };
}

/**
 * Packs examples into rows of `length` tokens, first fit in arrival order, so fewer pad tokens are
 * trained on; each row lists where its examples start. Examples keep their own labels, padding is -100.
 */
export function packSftExamples(options: {
  examples: Iterable<SftExample>;
  length: number;
  padTokenId?: number;
}): SftRow[] {
  const { length } = options;
  const rows: Array<{ examples: SftExample[]; used: number }> = [];
  for (const example of options.examples) {
    const size = example.inputIds.length;
    if (size > length)
      throw new SftRecordError(
        `an example of ${size} tokens does not fit a row of ${length}; truncate it with maxLength first`,
      );
    const row = rows.find(({ used }) => used + size <= length);
    if (row === undefined) rows.push({ examples: [example], used: size });
    else {
      row.examples.push(example);
      row.used += size;
    }
  }
  return rows.map(({ examples }) => {
    const inputIds = new Int32Array(length).fill(options.padTokenId ?? 0);
    const labels = new Int32Array(length).fill(ignoreIndex);
    const exampleStarts: number[] = [];
    let offset = 0;
    for (const example of examples) {
      exampleStarts.push(offset);
      inputIds.set(example.inputIds, offset);
      labels.set(example.labels, offset);
      offset += example.inputIds.length;
    }
    return { inputIds, labels, exampleStarts };
  });
}
