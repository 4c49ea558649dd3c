import { TokenizerFileFormatError } from '../errors.js';

/** JSON.parse with a typed error that names the file, says whether it is truncated, and where it broke. */
export function parseJsonFile(text: string, file: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/end of (JSON|data)|Unterminated/i.test(message) && !/position \d+ \(line/.test(message)) {
      throw new TokenizerFileFormatError(
        `${file} is truncated: its JSON ends after ${text.length} characters (${message}). Copy the file again.`,
        { cause: error },
      );
    }
    const position = Number(/position (\d+)/.exec(message)?.[1] ?? Number.NaN);
    const where = Number.isNaN(position)
      ? ''
      : ` at line ${lineOf(text, position)}, column ${position - text.lastIndexOf('\n', position - 1)}`;
    throw new TokenizerFileFormatError(`${file} is not valid JSON${where}: ${message}. Fix or replace the file.`, {
      cause: error,
    });
  }
}

function lineOf(text: string, position: number): number {
  let line = 1;
  for (let index = text.indexOf('\n'); index !== -1 && index < position; index = text.indexOf('\n', index + 1)) line++;
  return line;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
