// Paths and readers for the reference data the tests read, in the repository (packages/test-kit/fixtures).
import { readFileSync } from 'node:fs';
import { fixturePath } from '@aquila/test-kit';

/** Aquila's original vocab.json, merges.txt and special-token files. */
export const aquilaFolder = fixturePath('aquila-tokenizer');

export function readJsonFixture<T>(...segments: string[]): T {
  return JSON.parse(readFileSync(fixturePath(...segments), 'utf8')) as T;
}

/** Cuts texts into documents of about `size` UTF-16 units, joining short ones with a newline. */
function documents(texts: string[], size: number): string[] {
  const result: string[] = [];
  let current = '';
  for (const text of texts) {
    current = current === '' ? text : `${current}\n${text}`;
    while (current.length >= size) {
      // Never between the halves of a surrogate pair: the documents stay well-formed text.
      const end = /[\ud800-\udbff]/.test(current[size - 1] as string) ? size - 1 : size;
      result.push(current.slice(0, end));
      current = current.slice(end);
    }
  }
  if (current !== '') result.push(current);
  return result;
}

/**
 * The test corpus: ~2,000-unit documents of English and Chinese news and Go code (FlagAI's Megatron demo
 * documents) and Chinese schema prompts with SQL (AquilaSQL's CSpider predictions), interleaved. The benchmark
 * reads the 10 MB benchmark corpus instead (bench/corpus.ts).
 */
export function readTestCorpus(): string[] {
  const jsonLines = (...segments: string[]): Array<Record<string, string>> =>
    readFileSync(fixturePath(...segments), 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, string>);
  const news = documents(
    jsonLines('flagai', 'indexed_dataset', 'demo.jsonl').map((record) => record.text as string),
    2000,
  );
  const sql = documents(
    jsonLines('flagai', 'aquila-sql', 'evaluation_result', 'cspider_raw_pred.jsonl').flatMap((record) => [
      record.prompt as string,
      record.result as string,
    ]),
    2000,
  );
  const corpus: string[] = [];
  for (let index = 0; index < Math.max(news.length, sql.length); index++) {
    if (index < news.length) corpus.push(news[index] as string);
    if (index < sql.length) corpus.push(sql[index] as string);
  }
  return corpus;
}
