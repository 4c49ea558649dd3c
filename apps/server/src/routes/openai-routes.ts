import { randomUUID } from 'node:crypto';
import { type ChatMessage, type ChatStopRules, ChatTemplateRenderError } from '@aquila/prompts';
import type { ChoiceEvent, ChoicesRequest, GenerationEndEvent, GenerationRequest } from '@aquila/runtime';
import type { Hono } from 'hono';
import * as v from 'valibot';
import { RequestError } from '../errors.js';
import {
  booleanField,
  fieldsSchema,
  type JsonObject,
  mustBe,
  numberField,
  objectField,
  readFields,
  readJsonObject,
  stopListField,
} from '../request-body.js';
import { admit, generateChoices, primed, type ServerState, streamingResponse } from '../server-state.js';
import { chatLogprobs, completionLogprobs, type TokenLogprob, tokenLogprob } from './openai-logprobs.js';

interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** The usage of all choices: the prompt once (it is prefilled once), the completions summed. */
const usageOf = (ends: readonly GenerationEndEvent[]): Usage => {
  const prompt = ends[0]?.promptTokenCount ?? 0;
  const completion = ends.reduce((sum, end) => sum + end.completionTokenCount, 0);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
};

/** The most choices (`n`) one request may ask for: each takes a place in the batch. */
const maxChoices = 16;

/** The sampling fields both OpenAI endpoints share; unknown fields are ignored, as OpenAI-compatible servers do. */
const samplingFields = {
  /** Choices of one prompt, prefilled once; choice i is sampled with seed `seed + i` (0 + i without a seed). */
  n: numberField({ integer: true, min: 1, max: maxChoices }),
  max_completion_tokens: numberField({ integer: true, min: 1 }),
  max_tokens: numberField({ integer: true, min: 1 }),
  temperature: numberField({ min: 0, max: 2 }),
  top_p: numberField({ min: 0, max: 1, above: true }),
  top_k: numberField({ integer: true, min: 0 }),
  repetition_penalty: numberField({ min: 0, above: true }),
  seed: numberField({ integer: true, min: 0 }),
};

const streamFields = { stream: booleanField, stream_options: objectField, stop: stopListField(4) };

const promptMessage =
  'must be a string or an array of token ids (one prompt per request; batches of several prompts are not supported)';

/** A completions prompt: a string, a one-item list of strings, token ids, or a one-item list of token ids. */
const promptSchema = v.pipe(
  v.unknown(),
  v.transform((prompt) =>
    Array.isArray(prompt) && prompt.length === 1 && (typeof prompt[0] === 'string' || Array.isArray(prompt[0]))
      ? (prompt[0] as unknown)
      : prompt,
  ),
  v.union(
    [
      v.pipe(v.string(), v.nonEmpty('is empty; send the text to complete')),
      v.pipe(
        v.array(v.number()),
        v.nonEmpty(promptMessage),
        v.everyItem((id) => Number.isInteger(id), promptMessage),
      ),
    ],
    promptMessage,
  ),
);

const completionFields = {
  ...streamFields,
  logprobs: numberField({ integer: true, min: 0, max: 5 }),
  ...samplingFields,
  prompt: promptSchema,
  add_special_tokens: booleanField,
};

const roleMessage = (issue: v.BaseIssue<unknown>): string =>
  `must be "system", "developer", "user" or "assistant", got ${JSON.stringify(issue.input)}`;
const contentMessage = 'must be a string or an array of {type: "text", text} parts';
const messagesMessage = 'must be a non-empty array of {role, content}';

/** Chat messages: `content` as a string or as text parts. */
const messagesSchema = v.pipe(
  v.array(
    fieldsSchema(
      {
        role: v.picklist(['system', 'user', 'assistant', 'developer'], roleMessage),
        content: v.message(
          v.union([
            v.string(),
            v.pipe(
              v.array(v.object({ type: v.literal('text'), text: v.string() })),
              v.transform((parts) => parts.map((part) => part.text).join('')),
            ),
          ]),
          contentMessage,
        ),
      },
      mustBe('an object {role, content}'),
    ),
    messagesMessage,
  ),
  v.nonEmpty(messagesMessage),
);

const chatFields = {
  ...streamFields,
  top_logprobs: numberField({ integer: true, min: 0, max: 20 }),
  logprobs: booleanField,
  ...samplingFields,
  messages: messagesSchema,
};

type SamplingFields = v.InferOutput<v.ObjectSchema<typeof samplingFields, undefined>>;

function samplingOptions(fields: SamplingFields): GenerationRequest {
  const request: GenerationRequest = {
    maxNewTokens: fields.max_completion_tokens ?? fields.max_tokens,
    temperature: fields.temperature,
    topP: fields.top_p,
    topK: fields.top_k,
    repetitionPenalty: fields.repetition_penalty,
    seed: fields.seed,
  };
  return Object.fromEntries(Object.entries(request).filter(([, value]) => value !== undefined));
}

/**
 * A prompt and an explicit token limit that together exceed the model's context are refused, as OpenAI's API
 * does, rather than cut short silently; without a limit the model's default applies (bounded by the context).
 */
function checkContextLength(
  state: ServerState,
  fields: SamplingFields,
  promptIds: readonly number[],
  maxNewTokens: number | undefined,
): void {
  const context = state.model.config.shape.maxPositions;
  if (maxNewTokens === undefined || promptIds.length + maxNewTokens <= context) return;
  const field = fields.max_completion_tokens === undefined ? 'max_tokens' : 'max_completion_tokens';
  const room = context - promptIds.length;
  throw new RequestError(
    400,
    `this model's context is ${context} tokens, but the request needs ${promptIds.length + maxNewTokens}: ${promptIds.length} in the prompt and ${maxNewTokens} for the completion ("${field}"); ${room >= 1 ? `lower "${field}" to at most ${room} or shorten the prompt` : 'shorten the prompt'}.`,
    { apiCode: 'context_length_exceeded' },
  );
}

/**
 * A completions prompt as token ids. With `add_special_tokens: true` (vLLM's field) a string prompt gets the
 * model's BOS first, as the local FlagAI prompt path has it, so that a client without the tokenizer sends the
 * same tokens; `false` adds nothing; without the field it starts as the tokenizer files ask (`promptStartIds`:
 * Mistral's `<s>`, nothing for Aquila), as `LanguageModel.generate({ prompt })` does.
 */
function completionPrompt(
  state: ServerState,
  prompt: string | number[],
  addSpecialTokens: boolean | undefined,
): number[] {
  if (typeof prompt !== 'string') return prompt;
  const bos = addSpecialTokens === true ? (state.model.config.bosTokenId ?? state.tokenizer.bosTokenId) : undefined;
  const start = bos !== undefined ? [bos] : addSpecialTokens === undefined ? state.tokenizer.promptStartIds : [];
  return [...start, ...state.tokenizer.encode(prompt, { parseSpecialTokens: false })];
}

/**
 * The chat prompt of OpenAI messages through the model's chat template: its own (`tokenizer_config.json`), or
 * FlagAI's Aquila format. The last message must be the user's. The whole history is kept; a prompt too long
 * for the context is a 400, never a silently dropped question. Also the template's stop rules (FlagAI's `###`).
 */
function chatPrompt(
  state: ServerState,
  messages: readonly ChatMessage[],
): { promptIds: number[]; stopRules: ChatStopRules | undefined } {
  const template = state.model.chatTemplate;
  if (template === undefined)
    throw new RequestError(
      400,
      'this model has no chat template (its folder has no tokenizer_config.json with a chat_template, and it is not an Aquila model); send the formatted prompt to /v1/completions.',
    );
  if (messages.at(-1)?.role !== 'user')
    throw new RequestError(400, "the last message must be the user's: the model answers it.");
  let text: string;
  try {
    text = template.render(messages, { addGenerationPrompt: true });
  } catch (error) {
    if (ChatTemplateRenderError.isInstance(error)) throw new RequestError(400, error.reason);
    throw error;
  }
  // A model's own template writes its special tokens as text; FlagAI's is plain text, user text included.
  const promptIds = state.tokenizer.encode(text, { parseSpecialTokens: template.specialTokensInText });
  return { promptIds, stopRules: template.stopRules };
}

/** Chat's `logprobs: true` with `top_logprobs` alternatives (0–20); undefined when not asked for. */
function chatTopLogprobs(fields: {
  logprobs?: boolean | undefined;
  top_logprobs?: number | undefined;
}): number | undefined {
  if (fields.logprobs === true) return fields.top_logprobs ?? 0;
  if (fields.top_logprobs !== undefined) throw new RequestError(400, '"top_logprobs" needs "logprobs": true.');
  return undefined;
}

/** What both endpoints read from a body: the stream and sampling fields, the prompt as ids, log probabilities, stop rules. */
function readCompletion(
  state: ServerState,
  kind: Endpoint['kind'],
  body: JsonObject,
): {
  fields: SamplingFields & v.InferOutput<v.ObjectSchema<typeof streamFields, undefined>>;
  promptIds: number[];
  topLogprobs: number | undefined;
  /** The chat template's stop rules, for chat. */
  stopRules?: ChatStopRules | undefined;
} {
  if (kind === 'chat') {
    const fields = readFields(body, chatFields);
    const topLogprobs = chatTopLogprobs(fields);
    return { fields, topLogprobs, ...chatPrompt(state, fields.messages) };
  }
  const fields = readFields(body, completionFields);
  return {
    fields,
    topLogprobs: fields.logprobs,
    promptIds: completionPrompt(state, fields.prompt, fields.add_special_tokens),
  };
}

const sse = (value: unknown): string => `data: ${JSON.stringify(value)}\n\n`;

/** The error object of OpenAI's API. */
export function errorBody(
  message: string,
  type: string,
  code: string | null = null,
): { error: { message: string; type: string; code: string | null; param: null } } {
  return { error: { message, type, code, param: null } };
}

interface Endpoint {
  kind: 'completion' | 'chat';
  id: string;
  created: number;
  model: string;
  /** Alternatives per token when log probabilities were asked for (`logprobs`, `top_logprobs`). */
  topLogprobs: number | undefined;
}

/** Log probabilities as the endpoint shapes them, or null when they were not asked for. */
function logprobsOf(endpoint: Endpoint, items: readonly TokenLogprob[]): JsonObject | null {
  if (endpoint.topLogprobs === undefined) return null;
  return endpoint.kind === 'chat' ? chatLogprobs(items) : completionLogprobs(items);
}

/** A streamed chunk's choice. */
function choiceDelta(
  endpoint: Endpoint,
  index: number,
  text: string,
  finishReason: string | null,
  items: readonly TokenLogprob[],
): JsonObject {
  const logprobs = logprobsOf(endpoint, items);
  if (endpoint.kind === 'completion') return { index, text, logprobs, finish_reason: finishReason };
  return { index, delta: finishReason === null ? { content: text } : {}, logprobs, finish_reason: finishReason };
}

/** One choice's progress through the events: its text, and its tokens' log probabilities when asked for. */
interface ChoiceProgress {
  text: string;
  items: TokenLogprob[];
}

/** Adds an event to its choice's progress, and returns that progress. */
function advance(
  state: ServerState,
  endpoint: Endpoint,
  choices: readonly ChoiceProgress[],
  event: ChoiceEvent,
): ChoiceProgress {
  const progress = choices[event.index] as ChoiceProgress;
  if (event.type === 'token-delta' && endpoint.topLogprobs !== undefined)
    progress.items.push(tokenLogprob(state.tokenizer, event, progress.text.length));
  progress.text += event.text;
  return progress;
}

/**
 * OpenAI's SSE framing: one chunk per text delta of a choice (with its `index`), each choice's finish reason,
 * the usage chunk when asked for once every choice has ended, `[DONE]`.
 */
async function* eventStream(
  state: ServerState,
  events: AsyncGenerator<ChoiceEvent>,
  endpoint: Endpoint,
  n: number,
  includeUsage: boolean,
): AsyncGenerator<string> {
  const object = endpoint.kind === 'completion' ? 'text_completion' : 'chat.completion.chunk';
  const chunk = (choices: JsonObject[], usage?: Usage): string =>
    sse({
      id: endpoint.id,
      object,
      created: endpoint.created,
      model: endpoint.model,
      choices,
      ...(includeUsage ? { usage: usage ?? null } : {}),
    });
  // OpenAI's chat streams open each choice with the role.
  if (endpoint.kind === 'chat')
    for (let index = 0; index < n; index++)
      yield chunk([{ index, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }]);
  // Tokens whose text is held back (a possible stop string, a split character) go with the choice's next chunk.
  const choices = Array.from({ length: n }, (): ChoiceProgress => ({ text: '', items: [] }));
  const ends: GenerationEndEvent[] = [];
  try {
    for await (const event of events) {
      const progress = advance(state, endpoint, choices, event);
      if (event.text !== '') {
        yield chunk([choiceDelta(endpoint, event.index, event.text, null, progress.items)]);
        progress.items = [];
      }
      if (event.type === 'generation-end') {
        yield chunk([choiceDelta(endpoint, event.index, '', event.finishReason, progress.items)]);
        ends.push(event);
        if (includeUsage && ends.length === n) yield chunk([], usageOf(ends));
      }
    }
  } catch (error) {
    yield sse(errorBody(`generation failed: ${(error as Error).message}`, 'server_error'));
  }
  yield 'data: [DONE]\n\n';
}

/** `/v1/models`, `/v1/completions`, `/v1/chat/completions`. */
export function registerOpenAiRoutes(app: Hono, state: ServerState): void {
  app.get('/v1/models', (c) =>
    c.json({
      object: 'list',
      data: [{ id: state.modelName, object: 'model', created: state.created, owned_by: 'aquila-ts' }],
    }),
  );

  const complete = (kind: Endpoint['kind']) => async (c: { req: { raw: Request } }) => {
    const { fields, promptIds, topLogprobs, stopRules } = readCompletion(state, kind, await readJsonObject(c.req.raw));
    const stream = fields.stream ?? false;
    const includeUsage = fields.stream_options?.include_usage === true;
    const stop = fields.stop;
    const sampling = samplingOptions(fields);
    checkContextLength(state, fields, promptIds, sampling.maxNewTokens);
    const n = fields.n ?? 1;
    const request: ChoicesRequest = {
      ...sampling,
      ...(topLogprobs === undefined ? {} : { logprobs: true, topLogprobs }),
      // FlagAI's chat format separates turns with "###": its stop rules end the answer there. A model's own
      // template ends turns with its EOS, the model's default stop.
      ...(stopRules
        ? { stopTokenIds: stopRules.stopTokenIds, stopStrings: [...stopRules.stopStrings, ...(stop ?? [])] }
        : stop
          ? { stopStrings: stop }
          : {}),
      promptIds,
      n,
    };
    const endpoint: Endpoint = {
      kind,
      id: `${kind === 'chat' ? 'chatcmpl' : 'cmpl'}-${randomUUID()}`,
      created: Math.floor(Date.now() / 1000),
      model: state.modelName,
      topLogprobs,
    };
    const admission = admit(state, c.req.raw);
    const events = await primed(generateChoices(state, admission, request));
    if (stream)
      return streamingResponse(
        eventStream(state, events, endpoint, n, includeUsage),
        admission,
        'text/event-stream; charset=utf-8',
      );
    const choices = Array.from({ length: n }, (): ChoiceProgress => ({ text: '', items: [] }));
    const ends: GenerationEndEvent[] = [];
    for await (const event of events) {
      advance(state, endpoint, choices, event);
      if (event.type === 'generation-end') ends[event.index] = event;
    }
    if (ends.filter(Boolean).length !== n) throw new Error('generation ended without a generation-end event.');
    return Response.json({
      id: endpoint.id,
      object: kind === 'chat' ? 'chat.completion' : 'text_completion',
      created: endpoint.created,
      model: endpoint.model,
      choices: choices.map(({ text, items }, index) => {
        const logprobs = logprobsOf(endpoint, items);
        const finishReason = ends[index]?.finishReason;
        return kind === 'chat'
          ? { index, message: { role: 'assistant', content: text }, logprobs, finish_reason: finishReason }
          : { index, text, logprobs, finish_reason: finishReason };
      }),
      usage: usageOf(ends),
    });
  };
  app.post('/v1/completions', complete('completion'));
  app.post('/v1/chat/completions', complete('chat'));
}
