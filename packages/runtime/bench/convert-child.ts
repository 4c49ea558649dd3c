// Converts one checkpoint in a fresh process and prints its peak RSS in bytes (used by generate.ts).
import { convertCheckpoint, type WeightPrecision } from '../src/index.js';

const [checkpoint, output, precision] = process.argv.slice(2);
await convertCheckpoint({
  checkpoint: checkpoint as string,
  output: output as string,
  precision: precision as WeightPrecision,
});
process.stdout.write(`${process.resourceUsage().maxRSS * 1024}\n`);
