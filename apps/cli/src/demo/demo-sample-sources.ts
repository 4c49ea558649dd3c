import { join } from 'node:path';
import type { BuildSourceConfig } from '@aquila/data';
import { assetFolder } from '../asset-folder.js';

/** One small file per source, in its exact on-hub format (`assets/demo-samples`; the non-commercial one is filtered out). */
const sampleFiles = [
  ['sql-create-context', 'sql_create_context_v4.json'],
  ['Llama-2-SQL-Dataset', 'Llama-2-SQL-Dataset-train-00000-of-00001-1ba781ea67c6bd7f.parquet'],
  ['Text-to-sql-v1', 'Text-to-sql-v1.jsonl'],
  ['pg-wikiSQL-sql-instructions-80k', 'pg-wikiSQL-sql-instructions-80k-train.csv'],
  ['pg-gpt4SQL-sql-instructions-1k', 'pg-gpt4SQL-sql-instructions-1k.csv'],
  ['autotrain-data-nl-to-sql', 'autotrain-data-nl-to-sql-train.csv'],
  ['sql-context-instructions', 'sql-context-instructions-train-00000-of-00001-a2d2f513b79f5b3d.parquet'],
  ['symbolic-instruction-tuning-sql', 'symbolic-instruction-tuning-sql-train-00000-of-00001-09775d42d91b2c08.parquet'],
] as const;

/** The sample sources the demo builds its SFT data from, shipped with the CLI: one per dataset @aquila/data reads. */
export function demoSampleSources(): BuildSourceConfig[] {
  const folder = assetFolder({ name: 'demo-samples', probe: sampleFiles[0][1] });
  return sampleFiles.map(([type, file]) => ({ type, path: join(folder, file) }));
}
