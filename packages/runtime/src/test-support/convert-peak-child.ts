// Converts CHECKPOINT into OUTPUT as int4 with a quantised embedding in this fresh process, and prints JSON with the
// process's peak RSS in bytes (memory-estimate.test.ts compares it with the estimate).
import { convertCheckpoint } from '../convert-checkpoint.js';

const [checkpoint, output] = process.argv.slice(2);
const startRss = process.memoryUsage().rss;
await convertCheckpoint({
  checkpoint: checkpoint as string,
  output: output as string,
  precision: 'int4',
  quantizeEmbedding: true,
});
process.stdout.write(`${JSON.stringify({ startRss, peak: process.resourceUsage().maxRSS * 1024 })}\n`);
