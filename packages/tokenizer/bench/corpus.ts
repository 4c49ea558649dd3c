// The benchmark corpus: 10 MB of English, Chinese and SQL documents, too large for the repository. It is read
// from shared/fixtures/bench-corpus beside the clone (its README says how it was made from public sources).
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const corpusFile = fileURLToPath(new URL('../../../../shared/fixtures/bench-corpus/corpus.jsonl', import.meta.url));

/** The benchmark corpus: one JSON string per line. Exits with a message when it is missing. */
export function readBenchCorpus(): string[] {
  if (!existsSync(corpusFile)) {
    process.stderr.write(
      `The benchmark corpus ${corpusFile} is missing: the benchmark needs shared/fixtures/bench-corpus beside the repository (the tests do not).\n`,
    );
    process.exit(1);
  }
  return readFileSync(corpusFile, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as string);
}
