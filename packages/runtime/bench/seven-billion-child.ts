// One step of bench/seven-billion.ts in a fresh process, printing JSON with its peak RSS in bytes:
// `convert CHECKPOINT OUTPUT` (int4, quantised embedding) or `generate MODEL` (batch 1, a 16-token prompt, 2 tokens).
import { convertCheckpoint, LanguageModel } from '../src/index.js';

const [mode, source, output] = process.argv.slice(2);
const started = performance.now();
let tokens: number[] = [];
if (mode === 'convert') {
  await convertCheckpoint({
    checkpoint: source as string,
    output: output as string,
    precision: 'int4',
    quantizeEmbedding: true,
  });
} else {
  const model = await LanguageModel.load({ path: source as string, tokenizer: null, maxBatchSize: 1 });
  const result = await model.generate({
    promptIds: Array.from({ length: 16 }, (_, index) => index + 1),
    maxNewTokens: 2,
    stopTokenIds: [],
  });
  tokens = result.tokenIds;
  await model.release();
}
process.stdout.write(
  `${JSON.stringify({ peak: process.resourceUsage().maxRSS * 1024, seconds: (performance.now() - started) / 1000, tokens })}\n`,
);
