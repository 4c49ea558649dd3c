import type { SourceEvent } from '../dataset-record.js';
import { openParquetFile, readParquetRows } from '../read-parquet-rows.js';
import {
  parquetConversionTrain,
  type ReadSourceOptions,
  requireColumns,
  type SourceAdapter,
  sourceDrop,
  stringField,
} from '../source-adapter.js';

const columns = ['inputs', 'targets'] as const;

/**
 * tasksource/symbolic-instruction-tuning-sql: parquet `{inputs, targets}`: SQL plus a flattened table in,
 * the execution result out. Not NL→SQL, so its records only feed pretraining text.
 */
export const symbolicInstructionTuningSqlSource: SourceAdapter = {
  name: 'symbolic-instruction-tuning-sql',
  repository: 'tasksource/symbolic-instruction-tuning-sql',
  licence: 'mit',
  format: 'parquet',
  files: [{ pattern: /^data\/train-\d{5}-of-\d{5}(-[0-9a-f]+)?\.parquet$/, split: 'train' }],
  conversion: parquetConversionTrain,
  async probe(options) {
    const file = await openParquetFile(options.path);
    requireColumns(options.path, file.columns, columns);
    return { name: 'parquet (inputs, targets)', columns: file.columns };
  },
  async *read(options: ReadSourceOptions): AsyncGenerator<SourceEvent> {
    const split = options.split ?? 'train';
    for await (const { row, value } of readParquetRows({ ...options, columns })) {
      const inputs = stringField(value.inputs);
      const targets = stringField(value.targets);
      if (inputs === undefined || targets === undefined) {
        yield sourceDrop('invalid-row', options.path, { row }, 'expected string columns inputs and targets');
        continue;
      }
      yield {
        type: 'record',
        record: {
          id: `${symbolicInstructionTuningSqlSource.name}:${split}:${row}`,
          source: symbolicInstructionTuningSqlSource.name,
          split,
          task: 'sql-execution',
          question: '',
          schema: '',
          sql: '',
          dialect: 'sqlite',
          licence: symbolicInstructionTuningSqlSource.licence,
          text: `${inputs.trim()}\n${targets.trim()}`,
        },
      };
    }
  },
};
