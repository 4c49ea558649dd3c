// A child process for pack.test.ts: packs argv[2] into the prefix argv[3], prints `packing` at the first
// progress report and waits for SIGINT, which it turns into process.exit(130) as the CLI does.
import { loadAquilaTokenizer } from '@aquila/tokenizer';
import { packJsonl } from '../src/pack/pack-jsonl.js';

process.on('SIGINT', () => process.exit(130));
const [input, outputPrefix] = process.argv.slice(2) as [string, string];
const tokenizer = await loadAquilaTokenizer();
let announced = false;
await packJsonl({
  tokenizer,
  input,
  outputPrefix,
  onProgress: () => {
    if (announced) return;
    announced = true;
    process.stdout.write('packing\n');
  },
});
process.stdout.write('finished\n');
