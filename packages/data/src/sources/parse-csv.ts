import { SourceFormatError } from '../errors.js';

export interface CsvRow {
  /** 1-based line where the record starts (records may span lines inside quotes). */
  line: number;
  fields: string[];
}

export interface ParseCsvOptions {
  /** The file name used in error messages. */
  file: string;
  /** Longest field accepted; an unbalanced quote otherwise swallows the rest of the file. 16 Mi characters by default. */
  maxFieldLength?: number;
}

const special = /[,\r\n"]/g;

/**
 * A streaming RFC 4180 CSV parser (comma, `"` quotes with `""` escapes, LF or CRLF, fields spanning lines),
 * as Python's csv and pandas write it. Blank lines are skipped. A quote left open at the end of the file,
 * or a field longer than `maxFieldLength`, is a `SourceFormatError` naming the line where the quote opened.
 */
export async function* parseCsv(chunks: AsyncIterable<string>, options: ParseCsvOptions): AsyncGenerator<CsvRow> {
  const maxFieldLength = options.maxFieldLength ?? 1 << 24;
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let recordLine = 1;
  let inQuotes = false;
  let quoteLine = 0;
  // A closing-or-escaped quote seen as the last character of a chunk: the next character decides.
  let quoteAtChunkEnd = false;
  let quotedField = false;

  function unbalanced(reason: string): never {
    throw new SourceFormatError(
      `${options.file}: ${reason}: the quoted field opened on line ${quoteLine} is never closed (an unbalanced " quote). Fix the quoting on that line.`,
    );
  }

  for await (const chunk of chunks) {
    let index = 0;
    if (quoteAtChunkEnd) {
      quoteAtChunkEnd = false;
      if (chunk[0] === '"') {
        field += '"';
        index = 1;
      } else inQuotes = false;
    }
    const length = chunk.length;
    while (index < length) {
      if (inQuotes) {
        const quote = chunk.indexOf('"', index);
        const end = quote === -1 ? length : quote;
        for (let scan = chunk.indexOf('\n', index); scan !== -1 && scan < end; scan = chunk.indexOf('\n', scan + 1))
          line++;
        field += chunk.slice(index, end);
        if (field.length > maxFieldLength) unbalanced(`a field exceeds ${maxFieldLength} characters`);
        if (quote === -1) break;
        if (quote + 1 === length) {
          quoteAtChunkEnd = true;
          index = length;
        } else if (chunk[quote + 1] === '"') {
          field += '"';
          index = quote + 2;
        } else {
          inQuotes = false;
          index = quote + 1;
        }
        continue;
      }
      special.lastIndex = index;
      const match = special.exec(chunk);
      const position = match === null ? length : match.index;
      field += chunk.slice(index, position);
      if (match === null) break;
      const character = chunk[position];
      index = position + 1;
      if (character === ',') {
        fields.push(field);
        field = '';
        quotedField = false;
      } else if (character === '\n') {
        fields.push(field);
        if (fields.length > 1 || fields[0] !== '' || quotedField) yield { line: recordLine, fields };
        fields = [];
        field = '';
        quotedField = false;
        line++;
        recordLine = line;
      } else if (character === '"') {
        if (field === '' && !quotedField) {
          inQuotes = true;
          quotedField = true;
          quoteLine = line;
        } else field += '"'; // a stray quote inside an unquoted field is kept, as Python's csv does
      }
      // A '\r' outside quotes ends a CRLF line; it is dropped.
    }
  }
  if (quoteAtChunkEnd) inQuotes = false;
  if (inQuotes) unbalanced('the file ends inside quotes');
  if (field !== '' || fields.length > 0 || quotedField) {
    fields.push(field);
    yield { line: recordLine, fields };
  }
}
