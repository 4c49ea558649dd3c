import {
  type FlagaiHistoryItem,
  flagaiChatPromptIds,
  flagaiPromptIds,
  flagaiSampling,
  flagaiStopRules,
  type GenerationRequest,
} from '@aquila/runtime';
import type { Hono } from 'hono';
import { RequestError } from '../errors.js';
import { type JsonObject, RequestFields, readJsonObject } from '../request-fields.js';
import { admit, generate, plainTokenizer, primed, type ServerState, streamingResponse } from '../server-state.js';

function history(fields: RequestFields): FlagaiHistoryItem[] {
  const items = fields.array('history') ?? [];
  return items.map((item, index) => {
    if (!Array.isArray(item) || item.length !== 2 || typeof item[0] !== 'string' || typeof item[1] !== 'string')
      throw new RequestError(
        400,
        `history[${index}] must be [role, text] (two strings; role "ASSISTANT" or anything else for the human).`,
      );
    return [item[0], item[1]] as const;
  });
}

/**
 * FlagAI's request fields and defaults (`server_web.py`): `prompt`, `top_p` 0.95, `max_new_tokens` 256,
 * `top_k_per_token` 1000, `temperature` 0.9, `seed` 1234, `sft` false, `history`. The prompt path:
 * `[CLS]` + prompt with newline runs collapsed, or the chat template with the history when `chat`.
 */
function flagaiRequest(
  state: ServerState,
  body: JsonObject,
  chat: boolean,
): { request: GenerationRequest; prompt: string } {
  const fields = new RequestFields(body);
  const prompt = fields.string('prompt', { required: true, nonEmpty: true }) as string;
  const tokenizer = plainTokenizer(state.tokenizer);
  const promptIds = chat
    ? flagaiChatPromptIds({ text: prompt, history: history(fields), tokenizer, maxTokens: Number.POSITIVE_INFINITY })
    : flagaiPromptIds({ text: prompt, tokenizer });
  const request: GenerationRequest = {
    ...flagaiStopRules,
    promptIds,
    temperature: fields.number('temperature', { min: 0 }) ?? flagaiSampling.temperature,
    topP: fields.number('top_p', { min: 0, max: 1, above: true }) ?? flagaiSampling.topP,
    topK: fields.number('top_k_per_token', { integer: true, min: 0 }) ?? flagaiSampling.topK,
    maxNewTokens: fields.number('max_new_tokens', { integer: true, min: 1 }) ?? flagaiSampling.maxNewTokens,
    seed: fields.number('seed', { integer: true, min: 0 }) ?? flagaiSampling.seed,
  };
  return { request, prompt };
}

/** FlagAI's `POST /func` and `POST /stream_func`, with the body as a JSON object or as FlagAI's JSON string. */
export function registerFlagaiRoutes(app: Hono, state: ServerState): void {
  app.post('/func', async (c) => {
    const body = await readJsonObject(c.req.raw, { jsonString: true });
    const sft = new RequestFields(body).boolean('sft') ?? false;
    const { request, prompt } = flagaiRequest(state, body, sft);
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
