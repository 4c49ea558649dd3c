import type { BadLinePolicy } from '@aquila/files';
import type { GenerationRequest } from '@aquila/runtime';
import type { Command } from 'commander';
import * as v from 'valibot';
import { addSkipBadLinesFlag, reportSkippedLines } from '../bad-lines-flag.js';
import { choiceFlag, flagParser, numberFlag } from '../flag-parser.js';
import { integerFlag } from '../integer-flag.js';
import { describeGenerationMemory } from '../memory-report.js';
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
  chat?: boolean;
  system?: string;
  skipBadLines?: boolean;
}

/** Token ids: integers ≥ 0, at least one. */
const tokenIds = v.pipe(v.array(v.pipe(v.number(), v.integer(), v.minValue(0))), v.nonEmpty());

/** `--prompt-ids 1,2,3` (commas or spaces between them). */
const parseIds = flagParser(
  v.message(
    v.pipe(
      v.string(),
      v.transform((text) =>
        text
          .split(/[\s,]+/)
          .filter(Boolean)
          .map(Number),
      ),
      tokenIds,
    ),
    'give comma-separated token ids.',
  ),
);

/** A per-line option: a number, or ignored. */
const lineNumber = v.fallback(v.optional(v.number()), undefined);
const lineOptions = v.looseObject({
  max_new_tokens: lineNumber,
  maxNewTokens: lineNumber,
  temperature: lineNumber,
  top_k: lineNumber,
  topK: lineNumber,
  top_p: lineNumber,
  topP: lineNumber,
  seed: lineNumber,
});
/** The prompt of a line: its token ids (`prompt_ids` or `promptIds`) when they are ids, else its text. */
const linePrompt = v.message(
  v.union([
    v.pipe(
      v.looseObject({ prompt_ids: tokenIds }),
      v.transform((line) => ({ promptIds: line.prompt_ids })),
    ),
    v.pipe(
      v.looseObject({ promptIds: tokenIds }),
      v.transform((line) => ({ promptIds: line.promptIds })),
    ),
    v.pipe(
      v.looseObject({ prompt: v.string() }),
      v.transform((line) => ({ prompt: line.prompt })),
    ),
  ]),
  'each line needs "prompt" (a string) or "prompt_ids" (an array of token ids)',
);

/** One JSONL input line: `{"prompt": "…"}` or `{"prompt_ids": […]}`, with optional per-line options; otherwise what is wrong with it. */
function parseInputLine(line: string): GenerationRequest | string {
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch (error) {
    return `not valid JSON (${(error as Error).message})`;
  }
  const prompt = v.safeParse(linePrompt, record);
  if (!prompt.success) return prompt.issues[0].message;
  const options = v.parse(lineOptions, record);
  return {
    ...prompt.output,
    maxNewTokens: options.max_new_tokens ?? options.maxNewTokens,
    temperature: options.temperature,
    topK: options.top_k ?? options.topK,
    topP: options.top_p ?? options.topP,
    seed: options.seed,
  };
}

/** The requests of a JSONL file under the bad-line policy; a file without any is an error. */
async function readRequests(
  file: string,
  skip: boolean,
): Promise<{ requests: GenerationRequest[]; badLines: BadLinePolicy }> {
  const { BadLineError, BadLinePolicy, readTextLines } = await import('@aquila/files');
  const { GenerationOptionsError } = await import('@aquila/runtime');
  const badLines = new BadLinePolicy({ skip });
  const requests: GenerationRequest[] = [];
  for await (const { text, line } of readTextLines({ input: file, badLines })) {
    if (text.trim() === '') continue;
    const request = parseInputLine(text);
    if (typeof request === 'string') badLines.report(new BadLineError({ source: file, line, problem: request }));
    else requests.push(request);
  }
  if (requests.length === 0)
    throw new GenerationOptionsError(
      `${file} holds no prompts${badLines.count > 0 ? ` (${badLines.count} bad lines skipped)` : ''}: give one JSON object a line, {"prompt": "…"}.`,
    );
  return { requests, badLines };
}

/** `aquila generate --model DIR (--prompt TEXT | --input FILE.jsonl)`: streams text to stdout, or one JSON line per input. */
export function registerGenerateCommand(program: Command, context: CommandContext): void {
  const command = program
    .command('generate')
    .description(
      'generate with a converted model: stream one prompt to stdout, or run a JSONL file of prompts as a batch',
    )
    .requiredOption('--model <dir>', 'converted model folder (aquila convert)')
    .option('--prompt <text>', 'the prompt text')
    .option('--prompt-ids <ids>', 'the prompt as comma-separated token ids', parseIds)
    .option(
      '--input <file>',
      'JSONL with {"prompt": …} or {"prompt_ids": […]} per line; prints one JSON result per line',
    )
    .option('--max-new-tokens <n>', 'most tokens to generate', integerFlag('token count', 1))
    .option('--temperature <t>', '0 = greedy', numberFlag('not a valid temperature.', v.minValue(0)))
    .option('--top-k <k>', 'keep the k most likely tokens (0 = all)', integerFlag('top-k', 0))
    .option('--top-p <p>', 'nucleus sampling mass', numberFlag('not a valid top-p.', v.gtValue(0), v.maxValue(1)))
    .option(
      '--repetition-penalty <r>',
      'penalty for repeated tokens (1 = off)',
      numberFlag('not a valid penalty.', v.gtValue(0)),
    )
    .option('--seed <s>', 'sampling seed', integerFlag('seed', 0))
    .option(
      '--stop <text>',
      'stop string (repeatable)',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option('--threads <n>', 'onnxruntime threads', integerFlag('thread count', 1))
    .option(
      '--preset <name>',
      "FlagAI's prompt path and stop rules: flagai (BOS + prompt, newline runs collapsed) or flagai-chat (its chat template)",
      choiceFlag(['flagai', 'flagai-chat'], 'use flagai or flagai-chat.'),
    )
    .option(
      '--chat',
      "send each text prompt as a user message through the model's chat template (its tokenizer_config.json's, or FlagAI's for Aquila), with the template's stop rules",
    )
    .option('--system <text>', 'with --chat: a system message before each prompt');
  addSkipBadLinesFlag(command).action(async (flags: GenerateFlags) => {
    const { estimateModelMemory, GenerationOptionsError, LanguageModel } = await import('@aquila/runtime');
    const { flagaiChatPromptIds, flagaiPromptIds, flagaiStopRules } = await import('@aquila/prompts');
    const sources = [flags.prompt !== undefined, flags.promptIds !== undefined, flags.input !== undefined].filter(
      Boolean,
    ).length;
    if (sources !== 1) throw new GenerationOptionsError('give exactly one of --prompt, --prompt-ids or --input.');
    if (flags.chat && flags.preset)
      throw new GenerationOptionsError(
        `give --chat or --preset ${flags.preset}, not both: each sets the prompt format.`,
      );
    if (flags.chat && flags.promptIds)
      throw new GenerationOptionsError(
        '--chat renders text prompts; give --prompt or --input instead of --prompt-ids.',
      );
    if (flags.system !== undefined && !flags.chat)
      throw new GenerationOptionsError('--system is the system message of --chat; add --chat.');
    // The input is read whole before the model loads, so a bad line stops the command before the slow part.
    const input = flags.input === undefined ? undefined : await readRequests(flags.input, flags.skipBadLines === true);
    // Before the slow part: what the model and the cache of this run's sequences (8 at most together) will hold.
    const batchSize = input === undefined ? 1 : Math.min(8, input.requests.length);
    const estimate = await estimateModelMemory({ path: flags.model, batchSize });
    context.stderr.write(`estimate: generating holds ${describeGenerationMemory(estimate)}\n`);
    const model = await LanguageModel.load({ path: flags.model, threads: flags.threads });
    const template = flags.chat ? model.chatTemplate : undefined;
    if (flags.chat && (template === undefined || !model.tokenizer)) {
      await model.release();
      throw new GenerationOptionsError(
        template === undefined
          ? `${flags.model} has no chat template (no tokenizer_config.json with a chat_template, and not an Aquila model); drop --chat and give the prompt in the model's format.`
          : `--chat needs the tokenizer files in ${flags.model}.`,
      );
    }
    const options = {
      ...(flags.preset ? flagaiStopRules : template?.stopRules),
      maxNewTokens: flags.maxNewTokens,
      temperature: flags.temperature,
      topK: flags.topK,
      topP: flags.topP,
      repetitionPenalty: flags.repetitionPenalty,
      seed: flags.seed,
      ...(flags.stop.length > 0 ? { stopStrings: flags.stop } : {}),
    };
    // A preset or the chat template turns text prompts into ids (they need the model's tokenizer).
    const presetIds = (text: string): number[] => {
      if (!model.tokenizer)
        throw new GenerationOptionsError(`--preset ${flags.preset} needs the tokenizer files in ${flags.model}.`);
      if (template) {
        const system = flags.system === undefined ? [] : [{ role: 'system', content: flags.system }];
        const rendered = template.render([...system, { role: 'user', content: text }], { addGenerationPrompt: true });
        return model.tokenizer.encode(rendered, { parseSpecialTokens: template.specialTokensInText });
      }
      return flags.preset === 'flagai'
        ? flagaiPromptIds({ text, tokenizer: model.tokenizer })
        : flagaiChatPromptIds({ text, tokenizer: model.tokenizer });
    };
    const withPreset = (request: GenerationRequest): GenerationRequest =>
      (flags.preset || template) && request.prompt !== undefined && request.promptIds === undefined
        ? { ...request, prompt: undefined, promptIds: presetIds(request.prompt) }
        : request;
    try {
      if (input !== undefined) {
        const { requests, badLines } = input;
        // All lines run concurrently: the scheduler batches their decode steps; results print in input order.
        const results = await Promise.all(
          requests.map((request) =>
            model.generate(
              withPreset({
                ...options,
                ...Object.fromEntries(Object.entries(request).filter(([, value]) => value !== undefined)),
              }),
            ),
          ),
        );
        for (const result of results)
          context.stdout.write(
            `${JSON.stringify({ text: result.text, token_ids: result.tokenIds, finish_reason: result.finishReason })}\n`,
          );
        reportSkippedLines(badLines, context);
        return;
      }
      const request: GenerationRequest = flags.promptIds
        ? { ...options, promptIds: flags.promptIds }
        : { ...options, prompt: flags.prompt };
      for await (const event of model.stream(withPreset(request))) {
        if (event.type === 'token-delta') context.stdout.write(model.tokenizer ? event.text : `${event.tokenId} `);
        else context.stdout.write(`${event.text}\n`);
      }
    } finally {
      await model.release();
    }
  });
}
