import type { WeightPrecision } from '@aquila/runtime';
import type { Command } from 'commander';
import * as v from 'valibot';
import { choiceFlag, numberFlag } from '../flag-parser.js';
import type { CommandContext } from '../program.js';
import { createProgress } from '../progress.js';

const parsePrecision = choiceFlag(['fp32', 'int8', 'int4'] satisfies WeightPrecision[], 'use fp32, int8 or int4.');
const parseBlockSize = numberFlag(
  'use a power of two ≥ 16.',
  v.integer(),
  v.minValue(16),
  v.check((size) => (size & (size - 1)) === 0),
);

/** `aquila convert --model DIR --out DIR [--dtype fp32|int8|int4]`: a checkpoint to a self-contained ONNX folder. */
export function registerConvertCommand(program: Command, context: CommandContext): void {
  program
    .command('convert')
    .description(
      'convert an Aquila/LLaMA checkpoint (safetensors or .bin; HF, FlagAI or FlagAI flash-attn names, detected) to an ONNX folder',
    )
    .requiredOption('--model <dir>', 'checkpoint folder (config.json or params.json, weights, tokenizer files)')
    .requiredOption(
      '--out <dir>',
      "folder to write model.onnx, model.onnx.data, aquila-config.json and the tokenizer into: new, empty, or an earlier conversion's",
    )
    .option('--dtype <precision>', 'weight precision: fp32, int8 or int4', parsePrecision, 'fp32' as WeightPrecision)
    .option('--block-size <n>', 'int8/int4 quantisation block size', parseBlockSize, 32)
    .option('--force', 'write into an --out folder that holds other files too, emptying it first')
    .action(
      async (options: { model: string; out: string; dtype: WeightPrecision; blockSize: number; force?: boolean }) => {
        const { convertCheckpoint } = await import('@aquila/runtime');
        const progress = createProgress({ label: 'convert', stream: context.stderr, unit: 'tensors' });
        const config = await convertCheckpoint({
          checkpoint: options.model,
          output: options.out,
          precision: options.dtype,
          blockSize: options.blockSize,
          force: options.force === true,
          onProgress: ({ done, total }) => progress.update(done, total),
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
