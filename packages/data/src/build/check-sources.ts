import type { AquilaError } from '@aquila/errors';
import { InputFileError, SourceColumnsError, SourceEncodingError, SourceFormatError } from '../errors.js';
import { checkInputFile } from '../internal/check-input-file.js';
import { isParquetFile } from '../sources/read-parquet-rows.js';
import { sourceAdapters } from '../sources/source-adapters.js';
import type { BuildConfig } from './build-config.js';
import type { BuildReport, SourceReport } from './build-report.js';
import type { CheckedSource } from './record-pipeline.js';

/** The failures that belong to one source (its file is missing or is not what its adapter reads); others stop the build. */
const sourceErrors = [InputFileError, SourceColumnsError, SourceFormatError, SourceEncodingError] as const;

function isSourceError(error: unknown): error is AquilaError {
  return sourceErrors.some((type) => type.isInstance(error));
}

/**
 * Checks every source of a config before anything is read or written: the file is there and readable, and its
 * adapter finds a layout it reads (the header, the parquet schema, the first object). Each source gets its row in
 * the report, in the config's order; a failing one gets its `failure` (file, code, message, columns found, what
 * was expected), and none of its files is read.
 */
export async function checkSources(options: {
  config: BuildConfig;
  report: BuildReport;
  signal?: AbortSignal;
}): Promise<{ checked: CheckedSource[]; failures: AquilaError[] }> {
  const checked: CheckedSource[] = [];
  const failures: AquilaError[] = [];
  for (const [index, source] of options.config.sources.entries()) {
    const adapter = sourceAdapters.find((candidate) => candidate.name === source.type)!;
    let report: SourceReport | undefined = options.report.sources.find((entry) => entry.name === adapter.name);
    if (report === undefined) {
      report = { name: adapter.name, files: [], licence: adapter.licence, read: 0, kept: 0, dropped: {}, layouts: {} };
      options.report.sources.push(report);
    }
    report.files.push(source.path);
    if (report.failure !== undefined) continue;
    try {
      await checkInputFile({ path: source.path, label: `sources[${index}] (${source.type})` });
      const layout = await adapter.probe({ path: source.path, signal: options.signal });
      const positions = adapter.format !== 'json' && !(await isParquetFile(source.path)) ? 'line' : 'row';
      checked.push({ config: source, adapter, layout, positions, report });
    } catch (error) {
      options.signal?.throwIfAborted();
      if (!isSourceError(error)) throw error;
      const layout = SourceColumnsError.isInstance(error) ? error.layout : undefined;
      report.failure = {
        file: source.path,
        code: error.code,
        message: error.message,
        ...(layout === undefined ? {} : { columns: layout.columns, expected: layout.expected }),
      };
      failures.push(error);
    }
  }
  // A source with one failing file is not built at all, not even from its other files.
  return { checked: checked.filter((source) => source.report.failure === undefined), failures };
}
