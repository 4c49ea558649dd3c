import type { SourceEvent } from '../dataset-record.js';
import { readParquetRows } from '../read-parquet-rows.js';
import { type ReadSourceOptions, type SourceAdapter, sourceDrop, stringField } from '../source-adapter.js';

/**
 * tasksource/symbolic-instruction-tuning-sql: parquet `{inputs, targets}`: SQL plus a flattened table in,
 * the execution result out. Not NL→SQL, so its records only feed pretraining text.
 */
export const symbolicInstructionTuningSqlSource: SourceAdapter = {
  name: 'symbolic-instruction-tuning-sql',
  repository: 'tasksource/symbolic-instruction-tuning-sql',
  licence: 'mit',
  format: 'parquet',
  files: [{ path: 'data/train-00000-of-00001-09775d42d91b2c08.parquet', split: 'train' }],
  async *read(options: ReadSourceOptions): AsyncGenerator<SourceEvent> {
    const split = options.split ?? 'train';
    for await (const { row, value } of readParquetRows({ ...options, columns: ['inputs', 'targets'] })) {
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
