import type { CachePrecision, WeightPrecision } from '@aquila/runtime';
import type { Command } from 'commander';
import * as v from 'valibot';
import { choiceFlag, numberFlag } from '../flag-parser.js';
import { describeConversionMemory } from '../memory-report.js';
import type { CommandContext } from '../program.js';
import { createProgress } from '../progress.js';

const parsePrecision = choiceFlag(
  ['fp32', 'fp16', 'int8', 'int4'] satisfies WeightPrecision[],
  'use fp32, int8 or int4, or fp16 for a half-size float file.',
);
const parseCachePrecision = choiceFlag(['fp32', 'fp16'] satisfies CachePrecision[], 'use fp32 or fp16.');
const parseBlockSize = numberFlag(
  'use a power of two ≥ 16.',
  v.integer(),
  v.minValue(16),
  v.check((size) => (size & (size - 1)) === 0),
);

/** `aquila convert --model DIR|FILE --out DIR [--dtype fp32|fp16|int8|int4]`: a checkpoint to a self-contained ONNX folder. */
export function registerConvertCommand(program: Command, context: CommandContext): void {
  program
    .command('convert')
    .description(
      "convert an Aquila/LLaMA checkpoint (safetensors, .bin, or Meta's consolidated.NN.pth with its model-parallel shards joined; HF, FlagAI/Meta or FlagAI flash-attn names, detected) to an ONNX folder",
    )
    .requiredOption(
      '--model <path>',
      'checkpoint folder (config.json or params.json, weights, tokenizer files), or one weight file or shard index in it',
    )
    .requiredOption(
      '--out <dir>',
      "folder to write model.onnx, model.onnx.data, aquila-config.json and the tokenizer into: new, empty, or an earlier conversion's",
    )
    .option(
      '--dtype <precision>',
      'weight precision: fp32, fp16 (half the file; float32 in memory on the CPU), int8 or int4',
      parsePrecision,
      'fp32' as WeightPrecision,
    )
    .option('--block-size <n>', 'int8/int4 quantisation block size', parseBlockSize, 32)
    .option(
      '--cache-dtype <precision>',
      'KV cache precision: fp32, or fp16 (half the cache memory, slower attention steps)',
      parseCachePrecision,
      'fp32' as CachePrecision,
    )
    .option('--no-quantize-embedding', 'int8/int4: keep the token embedding float32 (default: quantised like the head)')
    .option('--force', 'write into an --out folder that holds other files too, emptying it first')
    .action(
      async (options: {
        model: string;
        out: string;
        dtype: WeightPrecision;
        blockSize: number;
        quantizeEmbedding: boolean;
        cacheDtype: CachePrecision;
        force?: boolean;
      }) => {
        const { convertCheckpoint, estimateCheckpointConversion } = await import('@aquila/runtime');
        const settings = {
          checkpoint: options.model,
          precision: options.dtype,
          blockSize: options.blockSize,
          quantizeEmbedding: options.quantizeEmbedding,
          cachePrecision: options.cacheDtype,
        };
        context.stderr.write(describeConversionMemory(await estimateCheckpointConversion(settings)));
        const progress = createProgress({ label: 'convert', stream: context.stderr, unit: 'tensors' });
        const config = await convertCheckpoint({
          ...settings,
          output: options.out,
          force: options.force === true,
          onProgress: ({ done, total }) => progress.update(done, total),
          onWarning: (message) => context.stderr.write(`warning: ${message}\n`),
        });
        progress.finish();
        const { shape } = config;
        context.stdout.write(
          `converted ${options.model} (${config.source.naming} names) to ${options.out}: ${config.precision}, ${shape.layerCount} layers, hidden ${shape.hiddenSize}, ` +
            `${shape.headCount} heads / ${shape.keyValueHeadCount} kv, vocab ${shape.vocabSize}, context ${shape.maxPositions}; tokenizer files: ${config.tokenizerFiles.join(', ') || 'none'}\n`,
        );
      },
    );
}
