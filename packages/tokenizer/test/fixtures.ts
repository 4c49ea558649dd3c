// Paths and readers for the shared reference data (shared/fixtures beside the repository).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const fixturesDirectory = fileURLToPath(new URL('../../../../shared/fixtures/', import.meta.url));
export const aquilaFolder = `${fixturesDirectory}aquila-tokenizer`;
export const reconstructedTokenizerJson = `${fixturesDirectory}aquila-tokenizer/reconstructed/tokenizer.json`;
export const corpusFile = `${fixturesDirectory}bench-corpus/corpus.jsonl`;

export function readJsonFixture<T>(relativePath: string): T {
  return JSON.parse(readFileSync(`${fixturesDirectory}${relativePath}`, 'utf8')) as T;
}

/** The benchmark corpus: one JSON string per line (English, Chinese and SQL documents). */
export function readCorpus(): string[] {
  return readFileSync(corpusFile, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as string);
}
