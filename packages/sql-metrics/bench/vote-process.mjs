// One whole vote run in its own process, against the build, on the input the Python baseline reads:
// node vote-process.mjs INPUT.json CACHE_SIZE [WORKERS]
import { readFileSync } from 'node:fs';
import { ExecutionVoter } from '../dist/index.js';

const [input, cacheSize, workers] = process.argv.slice(2);
const { equality, questions } = JSON.parse(readFileSync(input, 'utf8'));
const started = performance.now();
const voter = new ExecutionVoter({
  equality,
  cacheSize: Number(cacheSize),
  ...(workers === undefined ? {} : { workers: Number(workers) }),
});
const votes = [];
let next = 0;
// As voteAcrossFiles does: 64 questions in flight.
const lane = async () => {
  while (next < questions.length) {
    const index = next++;
    const vote = await voter.vote({ database: questions[index].db, candidates: questions[index].candidates });
    votes[index] = { chosen: vote.chosen, groups: vote.groups };
  }
};
await Promise.all(Array.from({ length: 64 }, lane));
const counts = voter.counts;
await voter.close();
const seconds = (performance.now() - started) / 1000;
process.stdout.write(JSON.stringify({ seconds, ...counts, votes }), () => process.exit());
