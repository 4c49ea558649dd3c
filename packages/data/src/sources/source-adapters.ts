import { autotrainNlToSqlSource } from './adapters/autotrain-nl-to-sql.js';
import { llama2SqlDatasetSource } from './adapters/llama-2-sql-dataset.js';
import { pgGpt4SqlSource, pgWikiSqlSource } from './adapters/pg-sql-instructions.js';
import { sqlContextInstructionsSource } from './adapters/sql-context-instructions.js';
import { sqlCreateContextSource } from './adapters/sql-create-context.js';
import { symbolicInstructionTuningSqlSource } from './adapters/symbolic-instruction-tuning-sql.js';
import { textToSqlV1Source } from './adapters/text-to-sql-v1.js';
import type { SourceAdapter } from './source-adapter.js';

/** The eight datasets of FlagAI's `opensource_data_map`, in its order. */
export const sourceAdapters: readonly SourceAdapter[] = [
  autotrainNlToSqlSource,
  pgWikiSqlSource,
  pgGpt4SqlSource,
  textToSqlV1Source,
  sqlCreateContextSource,
  llama2SqlDatasetSource,
  sqlContextInstructionsSource,
  symbolicInstructionTuningSqlSource,
];
