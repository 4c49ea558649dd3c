import { readFile } from 'node:fs/promises';
import { InvalidArgumentError, type Command } from 'commander';
import type { GenerationOptionsError, GenerationRequest } from '@aquila/runtime';
import { integerFlag } from '../integer-flag.js';
import type { CommandContext } from '../program.js';

interface GenerateFlags {
  model: string;
  prompt?: string;
  promptIds?: number[];
  input?: string;
  maxNewTokens?: number;
  temperature?: number;
  topK?: number;
  topP?: number;
  repetitionPenalty?: number;
  seed?: number;
  stop: string[];
  threads?: number;
  preset?: 'flagai' | 'flagai-chat';
}

const number = (name: string, check: (value: number) => boolean) => (value: string) => {
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed) || !check(parsed)) throw new InvalidArgumentError(`not a valid ${name}.`);
  return parsed;
};

function parseIds(value: string): number[] {
  const ids = value.split(/[\s,]+/).filter(Boolean).map(Number);
  if (ids.length === 0 || !ids.every((id) => Number.isInteger(id) && id >= 0)) throw new InvalidArgumentError('give comma-separated token ids.');
  return ids;
}

/** One JSONL input line: `{"prompt": "…"}` or `{"prompt_ids": […]}`, with optional per-line options; `OptionsError` is the runtime's. */
function parseInputLine(line: string, file: string, lineNumber: number, OptionsError: typeof GenerationOptionsError): GenerationRequest {
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch (error) {
    throw new OptionsError(`${file}:${lineNumber}: not valid JSON (${(error as Error).message}).`);
  }
  const value = record as Record<string, unknown> | null;
  const prompt = value?.prompt;
  const promptIds = value?.prompt_ids ?? value?.promptIds;
  if (typeof prompt !== 'string' && !(Array.isArray(promptIds) && promptIds.every((id) => Number.isInteger(id)))) {
    throw new OptionsError(`${file}:${lineNumber}: each line needs "prompt" (a string) or "prompt_ids" (an array of integers).`);
  }
  const pick = (key: string, alias: string): number | undefined => {
    const option = value?.[key] ?? value?.[alias];
    return typeof option === 'number' ? option : undefined;
  };
  return {
    ...(Array.isArray(promptIds) ? { promptIds: promptIds as number[] } : { prompt: prompt as string }),
    maxNewTokens: pick('max_new_tokens', 'maxNewTokens'),
    temperature: pick('temperature', 'temperature'),
    topK: pick('top_k', 'topK'),
    topP: pick('top_p', 'topP'),
    seed: pick('seed', 'seed'),
  };
}

/** `aquila generate --model DIR (--prompt TEXT | --input FILE.jsonl)`: streams text to stdout, or one JSON line per input. */
export function registerGenerateCommand(program: Command, context: CommandContext): void {
  program
    .command('generate')
    .description('generate with a converted model: stream one prompt to stdout, or run a JSONL file of prompts as a batch')
    .requiredOption('--model <dir>', 'converted model folder (aquila convert)')
    .option('--prompt <text>', 'the prompt text')
    .option('--prompt-ids <ids>', 'the prompt as comma-separated token ids', parseIds)
    .option('--input <file>', 'JSONL with {"prompt": …} or {"prompt_ids": […]} per line; prints one JSON result per line')
    .option('--max-new-tokens <n>', 'most tokens to generate', integerFlag('token count', 1))
    .option('--temperature <t>', '0 = greedy', number('temperature', (value) => value >= 0))
    .option('--top-k <k>', 'keep the k most likely tokens (0 = all)', integerFlag('top-k', 0))
    .option('--top-p <p>', 'nucleus sampling mass', number('top-p', (value) => value > 0 && value <= 1))
    .option('--repetition-penalty <r>', 'penalty for repeated tokens (1 = off)', number('penalty', (value) => value > 0))
    .option('--seed <s>', 'sampling seed', integerFlag('seed', 0))
    .option('--stop <text>', 'stop string (repeatable)', (value: string, previous: string[]) => [...previous, value], [] as string[])
    .option('--threads <n>', 'onnxruntime threads', integerFlag('thread count', 1))
    .option('--preset <name>', "FlagAI's prompt path and stop rules: flagai (BOS + prompt, newline runs collapsed) or flagai-chat (its chat template)", (value: string) => {
      if (value !== 'flagai' && value !== 'flagai-chat') throw new InvalidArgumentError('use flagai or flagai-chat.');
      return value;
    })
    .action(async (flags: GenerateFlags) => {
      const { flagaiChatPromptIds, flagaiPromptIds, flagaiStopRules, GenerationOptionsError, LanguageModel } = await import('@aquila/runtime');
      const sources = [flags.prompt !== undefined, flags.promptIds !== undefined, flags.input !== undefined].filter(Boolean).length;
      if (sources !== 1) throw new GenerationOptionsError('give exactly one of --prompt, --prompt-ids or --input.');
      const model = await LanguageModel.load({ path: flags.model, threads: flags.threads });
      const options = {
        ...(flags.preset ? flagaiStopRules : {}),
        maxNewTokens: flags.maxNewTokens,
        temperature: flags.temperature,
        topK: flags.topK,
        topP: flags.topP,
        repetitionPenalty: flags.repetitionPenalty,
        seed: flags.seed,
        ...(flags.stop.length > 0 ? { stopStrings: flags.stop } : {}),
      };
      // A preset turns text prompts into FlagAI's ids (it needs the model's tokenizer).
      const presetIds = (text: string): number[] => {
        if (!model.tokenizer) throw new GenerationOptionsError(`--preset ${flags.preset} needs the tokenizer files in ${flags.model}.`);
        return flags.preset === 'flagai' ? flagaiPromptIds({ text, tokenizer: model.tokenizer }) : flagaiChatPromptIds({ text, tokenizer: model.tokenizer });
      };
      const withPreset = (request: GenerationRequest): GenerationRequest =>
        flags.preset && request.prompt !== undefined && request.promptIds === undefined ? { ...request, prompt: undefined, promptIds: presetIds(request.prompt) } : request;
      try {
        if (flags.input !== undefined) {
          const file = flags.input;
          const lines = (await readFile(file, 'utf8')).split('\n').map((line, index) => ({ line, number: index + 1 })).filter(({ line }) => line.trim() !== '');
          const requests = lines.map(({ line, number: lineNumber }) => parseInputLine(line, file, lineNumber, GenerationOptionsError));
          // All lines run concurrently: the scheduler batches their decode steps; results print in input order.
          const results = await Promise.all(requests.map((request) => model.generate(withPreset({ ...options, ...Object.fromEntries(Object.entries(request).filter(([, value]) => value !== undefined)) }))));
          for (const result of results) context.stdout.write(`${JSON.stringify({ text: result.text, token_ids: result.tokenIds, finish_reason: result.finishReason })}\n`);
          return;
        }
        const request: GenerationRequest = flags.promptIds ? { ...options, promptIds: flags.promptIds } : { ...options, prompt: flags.prompt };
        for await (const event of model.stream(withPreset(request))) {
          if (event.type === 'token-delta') context.stdout.write(model.tokenizer ? event.text : `${event.tokenId} `);
          else context.stdout.write(`${event.text}\n`);
        }
      } finally {
        await model.release();
      }
    });
}
