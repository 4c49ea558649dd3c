import { BadLineError, type BadLinePolicy } from '@aquila/files';
import { cleanRecord, isNonCommercialLicence } from '../clean/clean-record.js';
import { createDeduplicator } from '../clean/create-deduplicator.js';
import type { SqlValidator } from '../clean/create-sql-validator.js';
import type { DatasetRecord, DroppedRecord, DropReason } from '../sources/dataset-record.js';
import type { SourceAdapter, SourceLayout } from '../sources/source-adapter.js';
import type { BuildConfig, BuildSourceConfig } from './build-config.js';
import type { BuildProgress } from './build-dataset.js';
import type { BuildOutputs } from './build-outputs.js';
import type { BuildReport, SourceReport } from './build-report.js';

const examplesPerReason = 5;
const validationBatch = 256;
/** Drops that mean a line of a text source could not be read as a record; parquet and JSON-array rows have no line. */
const badLineReasons: ReadonlySet<DropReason> = new Set(['invalid-json', 'csv-column-count', 'invalid-row']);

type Where = { file: string; line?: number; row?: number };

// A record past dedupe, waiting for its batch to be validated.
interface PendingRecord {
  record: DatasetRecord;
  where: Where;
  report: SourceReport;
}

/** Where a record id (`source:split:position`) points: a line in text formats, a row in parquet and JSON arrays. */
function positionOf(id: string, positions: 'line' | 'row'): { line?: number; row?: number } {
  const position = Number(id.slice(id.lastIndexOf(':') + 1));
  if (!Number.isFinite(position)) return {};
  return positions === 'line' ? { line: position } : { row: position };
}

/** A source of the config, checked: its adapter, the layout its probe found, and its report. */
export interface CheckedSource {
  config: BuildSourceConfig;
  adapter: SourceAdapter;
  layout: SourceLayout;
  /** Whether record positions are lines (CSV, JSONL) or rows (parquet, JSON arrays). */
  positions: 'line' | 'row';
  report: SourceReport;
}

export interface RecordPipelineOptions {
  filters: NonNullable<BuildConfig['filters']>;
  validator: SqlValidator;
  badLines: BadLinePolicy;
  /** Where kept records go. */
  outputs: BuildOutputs;
  /** Counts records read, kept and dropped, per source and in total, with a few examples of each drop. */
  report: BuildReport;
  signal?: AbortSignal;
  onProgress?: (progress: BuildProgress) => void;
}

/**
 * Records from the sources to the outputs: cleaned, filtered, deduplicated, then validated in batches; each
 * record dropped on the way is counted with its reason.
 */
export class RecordPipeline {
  private readonly deduplicator = createDeduplicator();
  private readonly examples = new Map<DropReason, number>();
  private pending: PendingRecord[] = [];

  constructor(private readonly options: RecordPipelineOptions) {}

  async readSource(checked: CheckedSource): Promise<void> {
    const { report } = this.options;
    const { config: source, adapter, report: current } = checked;
    for await (const event of adapter.read({
      path: source.path,
      ...(source.split === undefined ? {} : { split: source.split }),
      signal: this.options.signal,
    })) {
      current.read++;
      report.totals.read++;
      const layout = event.layout ?? checked.layout.name;
      current.layouts[layout] = (current.layouts[layout] ?? 0) + 1;
      if (report.totals.read % 5000 === 0)
        this.options.onProgress?.({
          stage: 'read',
          source: adapter.name,
          read: report.totals.read,
          kept: report.totals.kept,
        });
      if (event.type === 'drop') {
        this.reportBadLine(event.drop);
        this.drop(current, event.drop);
        continue;
      }
      const where = { file: source.path, ...positionOf(event.record.id, checked.positions) };
      const record = cleanRecord(event.record);
      const dropped = this.filter(record, where);
      if (dropped !== undefined) {
        this.drop(current, dropped);
        continue;
      }
      this.pending.push({ record, where, report: current });
      if (this.pending.length >= validationBatch) await this.flush();
    }
    await this.flush();
  }

  private reportBadLine(dropped: DroppedRecord): void {
    const { reason, file, line, detail } = dropped;
    if (line !== undefined && badLineReasons.has(reason))
      this.options.badLines.report(
        new BadLineError({
          source: file,
          line,
          problem: reason === 'invalid-json' ? `not valid JSON (${detail})` : detail,
        }),
      );
  }

  // Why a cleaned record is dropped before validation, if it is: the filters in order, then dedupe.
  private filter(record: DatasetRecord, where: Where): DroppedRecord | undefined {
    const { filters } = this.options;
    if (filters.excludeNonCommercial === true && isNonCommercialLicence(record.licence))
      return { reason: 'non-commercial-licence', ...where, detail: record.licence };
    if (record.task === 'text-to-sql' && record.question === '')
      return { reason: 'empty-question', ...where, detail: 'the question is empty after cleaning' };
    if ((record.task === 'text-to-sql' ? record.sql : record.text) === '')
      return { reason: 'empty-sql', ...where, detail: 'the SQL (or text) is empty after cleaning' };
    if (filters.deduplicate !== false) {
      const seen = this.deduplicator.check(record);
      if (seen !== 'new') return { reason: seen, ...where, detail: record.id };
    }
    return undefined;
  }

  private drop(source: SourceReport, dropped: DroppedRecord): void {
    const { report } = this.options;
    source.dropped[dropped.reason] = (source.dropped[dropped.reason] ?? 0) + 1;
    report.totals.dropped++;
    if (dropped.reason === 'duplicate-across-sources' || dropped.reason === 'duplicate-within-source')
      report.totals.duplicates++;
    const shown = this.examples.get(dropped.reason) ?? 0;
    if (shown < examplesPerReason) {
      this.examples.set(dropped.reason, shown + 1);
      report.dropExamples.push(dropped);
    }
  }

  // Records wait here between dedupe and validation, so the validator can check them in batches.
  private async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const { filters, validator, report } = this.options;
    const batch = this.pending;
    this.pending = [];
    const validations =
      filters.validate === false ? undefined : await validator.validateBatch(batch.map((entry) => entry.record));
    for (const [index, entry] of batch.entries()) {
      let { record } = entry;
      const validation = validations?.[index];
      if (validation !== undefined) {
        if (!validation.ok) {
          this.drop(entry.report, { reason: validation.reason, ...entry.where, detail: validation.detail });
          continue;
        }
        if (!validation.validated && record.task === 'text-to-sql') report.unvalidated++;
        if (validation.sql !== record.sql) {
          report.rewrittenStrings++;
          record = { ...record, sql: validation.sql };
        }
      }
      entry.report.kept++;
      report.totals.kept++;
      report.licences[record.licence] = (report.licences[record.licence] ?? 0) + 1;
      await this.options.outputs.write(record);
    }
  }
}
