import { randomUUID } from 'node:crypto';
import {
  flagaiChatPromptIds,
  flagaiStopRules,
  type GenerationEndEvent,
  type GenerationEvent,
  type GenerationRequest,
} from '@aquila/runtime';
import type { Hono } from 'hono';
import { RequestError } from '../errors.js';
import { type JsonObject, RequestFields, readJsonObject } from '../request-fields.js';
import { admit, generate, plainTokenizer, primed, type ServerState, streamingResponse } from '../server-state.js';
import { chatLogprobs, completionLogprobs, type TokenLogprob, tokenLogprob } from './openai-logprobs.js';

interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

const usageOf = (end: GenerationEndEvent): Usage => ({
  prompt_tokens: end.promptTokenCount,
  completion_tokens: end.completionTokenCount,
  total_tokens: end.promptTokenCount + end.completionTokenCount,
});

/** The sampling fields both OpenAI endpoints share; unknown fields are ignored, as OpenAI-compatible servers do. */
function samplingOptions(fields: RequestFields): GenerationRequest {
  if ((fields.number('n', { integer: true, min: 1 }) ?? 1) !== 1)
    throw new RequestError(
      400,
      '"n" must be 1: this server returns one choice per request; send several requests instead.',
    );
  const request: GenerationRequest = {
    maxNewTokens:
      fields.number('max_completion_tokens', { integer: true, min: 1 }) ??
      fields.number('max_tokens', { integer: true, min: 1 }),
    temperature: fields.number('temperature', { min: 0, max: 2 }),
    topP: fields.number('top_p', { min: 0, max: 1, above: true }),
    topK: fields.number('top_k', { integer: true, min: 0 }),
    repetitionPenalty: fields.number('repetition_penalty', { min: 0, above: true }),
    seed: fields.number('seed', { integer: true, min: 0 }),
  };
  return Object.fromEntries(Object.entries(request).filter(([, value]) => value !== undefined));
}

/**
 * A prompt and an explicit token limit that together exceed the model's context are refused, as OpenAI's API
 * does, rather than cut short silently; without a limit the model's default applies (bounded by the context).
 */
function checkContextLength(
  state: ServerState,
  fields: RequestFields,
  promptIds: readonly number[],
  maxNewTokens: number | undefined,
): void {
  const context = state.model.config.shape.maxPositions;
  if (maxNewTokens === undefined || promptIds.length + maxNewTokens <= context) return;
  const field = fields.number('max_completion_tokens') === undefined ? 'max_tokens' : 'max_completion_tokens';
  const room = context - promptIds.length;
  throw new RequestError(
    400,
    `this model's context is ${context} tokens, but the request needs ${promptIds.length + maxNewTokens}: ${promptIds.length} in the prompt and ${maxNewTokens} for the completion ("${field}"); ${room >= 1 ? `lower "${field}" to at most ${room} or shorten the prompt` : 'shorten the prompt'}.`,
    { apiCode: 'context_length_exceeded' },
  );
}

/**
 * A completions prompt: a string, a one-item list of strings, token ids, or a one-item list of token ids. With
 * `add_special_tokens: true` (vLLM's field) a string prompt gets the model's BOS first, as the local FlagAI
 * prompt path has it, so that a client without the tokenizer sends the same tokens.
 */
function completionPrompt(state: ServerState, body: JsonObject): number[] {
  let prompt = body.prompt;
  if (Array.isArray(prompt) && prompt.length === 1 && (typeof prompt[0] === 'string' || Array.isArray(prompt[0])))
    prompt = prompt[0];
  if (typeof prompt === 'string') {
    if (prompt === '') throw new RequestError(400, '"prompt" is empty; send the text to complete.');
    const bos =
      new RequestFields(body).boolean('add_special_tokens') === true
        ? (state.model.config.bosTokenId ?? state.tokenizer.bosTokenId)
        : undefined;
    return [...(bos === undefined ? [] : [bos]), ...state.tokenizer.encode(prompt, { parseSpecialTokens: false })];
  }
  if (Array.isArray(prompt) && prompt.length > 0 && prompt.every((id) => Number.isInteger(id)))
    return prompt as number[];
  throw new RequestError(
    400,
    '"prompt" must be a string or an array of token ids (one prompt per request; batches of several prompts are not supported).',
  );
}

interface ChatMessage {
  role: string;
  text: string;
}

/** Chat messages: `content` as a string or as text parts. */
function chatMessages(body: JsonObject): ChatMessage[] {
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0)
    throw new RequestError(400, '"messages" must be a non-empty array of {role, content}.');
  return messages.map((message: unknown, index) => {
    const record = message as { role?: unknown; content?: unknown } | null;
    const role = record?.role;
    const content = record?.content;
    if (role !== 'system' && role !== 'user' && role !== 'assistant' && role !== 'developer')
      throw new RequestError(
        400,
        `messages[${index}].role must be "system", "developer", "user" or "assistant", got ${JSON.stringify(role)}.`,
      );
    const text =
      typeof content === 'string'
        ? content
        : Array.isArray(content) &&
            content.every(
              (part) =>
                (part as { type?: unknown })?.type === 'text' && typeof (part as { text?: unknown }).text === 'string',
            )
          ? content.map((part) => (part as { text: string }).text).join('')
          : undefined;
    if (text === undefined)
      throw new RequestError(
        400,
        `messages[${index}].content must be a string or an array of {type: "text", text} parts.`,
      );
    return { role, text };
  });
}

/**
 * The Aquila chat prompt (FlagAI's template, fixed system prompt) for OpenAI messages: system and
 * developer text goes in front of the next user message; the last message must be the user's. The
 * whole history is kept; a prompt too long for the context is a 400, never a silently dropped question.
 */
function chatPrompt(state: ServerState, messages: ChatMessage[]): number[] {
  const turns: [string, string][] = [];
  let pending: string[] = [];
  for (const { role, text } of messages) {
    if (role === 'system' || role === 'developer') pending.push(text);
    else {
      turns.push([
        role === 'assistant' ? 'ASSISTANT' : 'HUMAN',
        role === 'user' && pending.length > 0 ? `${pending.join('\n')}\n\n${text}` : text,
      ]);
      if (role === 'user') pending = [];
    }
  }
  const last = turns.pop();
  if (last?.[0] !== 'HUMAN' || pending.length > 0)
    throw new RequestError(400, "the last message must be the user's: the model answers it.");
  return flagaiChatPromptIds({
    text: last[1],
    history: turns,
    tokenizer: plainTokenizer(state.tokenizer),
    maxTokens: Number.POSITIVE_INFINITY,
  });
}

/** Chat's `logprobs: true` with `top_logprobs` alternatives (0–20); undefined when not asked for. */
function chatTopLogprobs(fields: RequestFields): number | undefined {
  const top = fields.number('top_logprobs', { integer: true, min: 0, max: 20 });
  if (fields.boolean('logprobs') === true) return top ?? 0;
  if (top !== undefined) throw new RequestError(400, '"top_logprobs" needs "logprobs": true.');
  return undefined;
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

function choice(
  endpoint: Endpoint,
  text: string,
  finishReason: string | null,
  items: readonly TokenLogprob[],
): JsonObject {
  const logprobs = logprobsOf(endpoint, items);
  if (endpoint.kind === 'completion') return { index: 0, text, logprobs, finish_reason: finishReason };
  return { index: 0, delta: finishReason === null ? { content: text } : {}, logprobs, finish_reason: finishReason };
}

/** OpenAI's SSE framing: one chunk per text delta, the finish reason, the usage chunk when asked for, `[DONE]`. */
async function* eventStream(
  state: ServerState,
  events: AsyncGenerator<GenerationEvent>,
  endpoint: Endpoint,
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
  // OpenAI's chat streams open with the role.
  if (endpoint.kind === 'chat')
    yield chunk([{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }]);
  // Tokens whose text is held back (a possible stop string, a split character) go with the next chunk.
  let pending: TokenLogprob[] = [];
  let offset = 0;
  try {
    for await (const event of events) {
      if (event.type === 'token-delta' && endpoint.topLogprobs !== undefined)
        pending.push(tokenLogprob(state.tokenizer, event, offset));
      offset += event.text.length;
      if (event.text !== '') {
        yield chunk([choice(endpoint, event.text, null, pending)]);
        pending = [];
      }
      if (event.type === 'generation-end') {
        yield chunk([choice(endpoint, '', event.finishReason, pending)]);
        if (includeUsage) yield chunk([], usageOf(event));
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
    const body = await readJsonObject(c.req.raw);
    const fields = new RequestFields(body);
    const stream = fields.boolean('stream') ?? false;
    const includeUsage = fields.object('stream_options')?.include_usage === true;
    const stop = fields.stringList('stop', 4);
    const topLogprobs =
      kind === 'completion' ? fields.number('logprobs', { integer: true, min: 0, max: 5 }) : chatTopLogprobs(fields);
    const sampling = samplingOptions(fields);
    const promptIds = kind === 'chat' ? chatPrompt(state, chatMessages(body)) : completionPrompt(state, body);
    checkContextLength(state, fields, promptIds, sampling.maxNewTokens);
    const request: GenerationRequest = {
      ...sampling,
      ...(topLogprobs === undefined ? {} : { logprobs: true, topLogprobs }),
      // The chat template separates turns with "###": FlagAI's stop rules end the answer there.
      ...(kind === 'chat'
        ? { stopTokenIds: flagaiStopRules.stopTokenIds, stopStrings: [...flagaiStopRules.stopStrings, ...(stop ?? [])] }
        : stop
          ? { stopStrings: stop }
          : {}),
      promptIds,
    };
    const endpoint: Endpoint = {
      kind,
      id: `${kind === 'chat' ? 'chatcmpl' : 'cmpl'}-${randomUUID()}`,
      created: Math.floor(Date.now() / 1000),
      model: state.modelName,
      topLogprobs,
    };
    const admission = admit(state, c.req.raw);
    const events = await primed(generate(state, admission, request));
    if (stream)
      return streamingResponse(
        eventStream(state, events, endpoint, includeUsage),
        admission,
        'text/event-stream; charset=utf-8',
      );
    let text = '';
    const items: TokenLogprob[] = [];
    for await (const event of events) {
      if (event.type === 'token-delta' && topLogprobs !== undefined)
        items.push(tokenLogprob(state.tokenizer, event, text.length));
      text += event.text;
      if (event.type !== 'generation-end') continue;
      const usage = usageOf(event);
      const logprobs = logprobsOf(endpoint, items);
      const result =
        kind === 'chat'
          ? { index: 0, message: { role: 'assistant', content: text }, logprobs, finish_reason: event.finishReason }
          : { index: 0, text, logprobs, finish_reason: event.finishReason };
      return Response.json({
        id: endpoint.id,
        object: kind === 'chat' ? 'chat.completion' : 'text_completion',
        created: endpoint.created,
        model: endpoint.model,
        choices: [result],
        usage,
      });
    }
    throw new Error('generation ended without a generation-end event.');
  };
  app.post('/v1/completions', complete('completion'));
  app.post('/v1/chat/completions', complete('chat'));
}
