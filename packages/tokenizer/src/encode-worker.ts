// The worker thread of `encodeBatch`: builds the tokenizer from the definition and the shared tables it is
// given (the tables are SharedArrayBuffers: nothing is rebuilt or copied) and encodes chunks of texts,
// answering with flat ids and per-text lengths (transferred, not copied).
import { parentPort, workerData } from 'node:worker_threads';
import type { BpeDefinition } from './internal/bpe-definition.js';
import type { MergeTables } from './internal/byte-pair-encoder.js';
import type { EncodeOptions } from './tokenizer.js';
import { Tokenizer } from './tokenizer.js';

const { definition, tables } = workerData as { definition: BpeDefinition; tables: MergeTables };
const tokenizer = new Tokenizer(definition, tables);

let buffer = new Uint32Array(1 << 16);

parentPort?.on('message', (message: { chunk: number; texts: string[]; options: EncodeOptions }) => {
  const lengths = new Uint32Array(message.texts.length);
  let used = 0;
  message.texts.forEach((text, index) => {
    const ids = tokenizer.encode(text, message.options);
    lengths[index] = ids.length;
    if (used + ids.length > buffer.length) {
      const grown = new Uint32Array(Math.max(buffer.length * 2, used + ids.length));
      grown.set(buffer.subarray(0, used));
      buffer = grown;
    }
    for (let position = 0; position < ids.length; position++) buffer[used++] = ids[position] as number;
  });
  const ids = buffer.slice(0, used);
  parentPort?.postMessage({ chunk: message.chunk, ids, lengths }, [ids.buffer, lengths.buffer]);
});
