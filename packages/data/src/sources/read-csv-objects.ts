import { SourceColumnsError, SourceFormatError } from '../errors.js';
import { parseCsv } from './parse-csv.js';
import { type ReadTextChunksOptions, readTextChunks } from './read-text-chunks.js';

export interface ReadCsvObjectsOptions extends ReadTextChunksOptions {
  /** Columns that must be in the header. */
  requiredColumns?: readonly string[];
}

export type CsvObjectEvent =
  | { type: 'row'; line: number; columns: readonly string[]; row: Record<string, string> }
  | { type: 'bad-row'; line: number; detail: string };

/** Streams a headed CSV file as objects; rows with the wrong field count are reported, not thrown. */
export async function* readCsvObjects(options: ReadCsvObjectsOptions): AsyncGenerator<CsvObjectEvent> {
  let header: string[] | undefined;
  for await (const { line, fields } of parseCsv(readTextChunks(options), { file: options.path })) {
    if (header === undefined) {
      header = fields.map((name) => name.trim());
      const missing = (options.requiredColumns ?? []).filter((name) => !header!.includes(name));
      if (missing.length > 0) {
        throw new SourceColumnsError(
          `${options.path}: the header has columns ${JSON.stringify(header)} but lacks ${JSON.stringify(missing)}. Is this the right file for this source?`,
          {
            layout: {
              file: options.path,
              columns: header,
              expected: `columns ${(options.requiredColumns ?? []).join(', ')}`,
            },
          },
        );
      }
      continue;
    }
    if (fields.length !== header.length) {
      yield { type: 'bad-row', line, detail: `${fields.length} fields, the header has ${header.length}` };
      continue;
    }
    const row: Record<string, string> = {};
    for (let index = 0; index < header.length; index++) row[header[index]!] = fields[index]!;
    yield { type: 'row', line, columns: header, row };
  }
  if (header === undefined)
    throw new SourceFormatError(`${options.path}: the file is empty (no CSV header). Download it again.`);
}
