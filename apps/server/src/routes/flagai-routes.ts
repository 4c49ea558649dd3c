import {
  type FlagaiHistoryItem,
  flagaiChatPromptIds,
  flagaiPromptIds,
  flagaiSampling,
  flagaiStopRules,
} from '@aquila/prompts';
import type { GenerationRequest } from '@aquila/runtime';
import type { Hono } from 'hono';
import * as v from 'valibot';
import {
  arrayField,
  booleanField,
  type JsonObject,
  numberField,
  readFields,
  readJsonObject,
  requiredText,
} from '../request-body.js';
import { admit, generate, plainTokenizer, primed, type ServerState, streamingResponse } from '../server-state.js';

const historyPair = v.strictTuple([v.string(), v.string()]);

/** `history`: [role, text] pairs, as FlagAI's chat template takes them; a bad one is named as a whole. */
const historySchema = arrayField(
  v.custom<FlagaiHistoryItem>(
    (item) => v.is(historyPair, item),
    'must be [role, text] (two strings; role "ASSISTANT" or anything else for the human)',
  ),
);

/** FlagAI's fields; absent ones take its defaults (see `flagaiRequest`). */
const flagaiFields = {
  sft: booleanField,
  prompt: requiredText,
  history: historySchema,
  temperature: numberField({ min: 0 }),
  top_p: numberField({ min: 0, max: 1, above: true }),
  top_k_per_token: numberField({ integer: true, min: 0 }),
  max_new_tokens: numberField({ integer: true, min: 1 }),
  seed: numberField({ integer: true, min: 0 }),
};

/**
 * FlagAI's request fields and defaults (`server_web.py`): `prompt`, `top_p` 0.95, `max_new_tokens` 256,
 * `top_k_per_token` 1000, `temperature` 0.9, `seed` 1234, `sft` false, `history`. The prompt path:
 * `[CLS]` + prompt with newline runs collapsed, or the chat template with the history
 * (always on /stream_func, with `sft: true` on /func).
 */
function flagaiRequest(
  state: ServerState,
  body: JsonObject,
  alwaysChat: boolean,
): { request: GenerationRequest; prompt: string } {
  const fields = readFields(body, flagaiFields);
  const prompt = fields.prompt;
  const tokenizer = plainTokenizer(state.tokenizer);
  const promptIds =
    alwaysChat || fields.sft === true
      ? flagaiChatPromptIds({
          text: prompt,
          history: fields.history ?? [],
          tokenizer,
          maxTokens: Number.POSITIVE_INFINITY,
        })
      : flagaiPromptIds({ text: prompt, tokenizer });
  const request: GenerationRequest = {
    ...flagaiStopRules,
    promptIds,
    temperature: fields.temperature ?? flagaiSampling.temperature,
    topP: fields.top_p ?? flagaiSampling.topP,
    topK: fields.top_k_per_token ?? flagaiSampling.topK,
    maxNewTokens: fields.max_new_tokens ?? flagaiSampling.maxNewTokens,
    seed: fields.seed ?? flagaiSampling.seed,
  };
  return { request, prompt };
}

/** FlagAI's `POST /func` and `POST /stream_func`, with the body as a JSON object or as FlagAI's JSON string. */
export function registerFlagaiRoutes(app: Hono, state: ServerState): void {
  app.post('/func', async (c) => {
    // Without `sft: true`, /func completes the bare prompt; /stream_func always chats.
    const { request, prompt } = flagaiRequest(state, await readJsonObject(c.req.raw, { jsonString: true }), false);
    const admission = admit(state, c.req.raw);
    let text = '';
    const tokens: string[] = [];
    const logprobs: number[] = [];
    for await (const event of generate(state, admission, { ...request, logprobs: true })) {
      text += event.text;
      if (event.type !== 'token-delta') continue;
      tokens.push(state.tokenizer.idToToken(event.tokenId) ?? `[${event.tokenId}]`);
      logprobs.push(event.logprob ?? 0);
    }
    return c.json({
      completions: [
        {
          // FlagAI drops one leading space (the BPE space of the first token); its `replace("sql", "")` is not reproduced.
          text: text.startsWith(' ') ? text.slice(1) : text,
          tokens,
          logprobs,
          top_logprobs_dicts: tokens.map((token, index) => ({ [token]: logprobs[index] })),
          model_in: state.tokenizer.decode(request.promptIds ?? [], { skipSpecialTokens: false }),
        },
      ],
      input_length: prompt.length,
      model_info: state.modelName,
    });
  });

  app.post('/stream_func', async (c) => {
    const { request } = flagaiRequest(state, await readJsonObject(c.req.raw, { jsonString: true }), true);
    const admission = admit(state, c.req.raw);
    const events = await primed(generate(state, admission, request));
    const chunks = async function* (): AsyncGenerator<string> {
      for await (const event of events) if (event.text !== '') yield event.text;
    };
    return streamingResponse(chunks(), admission, 'text/plain; charset=utf-8');
  });
}
