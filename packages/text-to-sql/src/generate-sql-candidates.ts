import type { FinishReason } from '@aquila/runtime';
import { extractSql } from '@aquila/sql-metrics';
import { EndpointError } from './errors.js';
import {
  checkSampling,
  type SqlGenerationSettings,
  sqlGenerationPresets,
  sqlGenerationRequest,
} from './generation-settings.js';
import { separateChoices } from './internal/separate-choices.js';
import type { TextToSqlModel, TokenUsage } from './text-to-sql-model.js';

/** One sampled answer to a prompt, with the SQL extracted from it. */
export interface SqlCandidate {
  /** 0-based; sampled with seed `seed`. */
  index: number;
  seed: number;
  /** The model's whole output. */
  text: string;
  /** The extracted SQL; empty when none was found. */
  sql: string;
  extracted: boolean;
  finishReason: FinishReason;
  usage: TokenUsage;
  /** Milliseconds from the request to this candidate's end. */
  ms: number;
}

export interface GenerateSqlCandidatesOptions {
  model: TextToSqlModel;
  /** The prompt as the model gets it ({@link buildSqlPrompt}, through the chat template for a chat model). */
  prompt: string;
  /** How many candidates, 1…64. */
  samples: number;
  /**
   * Default: the `sampled` preset. More than one sample needs a temperature above 0; candidate i is sampled with
   * seed `(seed ?? 0) + i`.
   */
  generation?: SqlGenerationSettings;
  /** Candidates generated at once by a model without `streamChoices` (n streams). Default all of them. */
  concurrency?: number;
  signal?: AbortSignal;
}

/** What {@link streamSqlCandidates} yields: each candidate's text as it comes, then the candidate when it ends. */
export type SqlCandidateEvent =
  | { type: 'candidate-delta'; index: number; text: string }
  | { type: 'candidate'; candidate: SqlCandidate };

// The n samples' events: the model's own `streamChoices`, else n streams with seeds seed + i.
function choiceEvents(options: GenerateSqlCandidatesOptions, settings: SqlGenerationSettings) {
  const { model, samples, signal } = options;
  const request = sqlGenerationRequest({
    prompt: options.prompt,
    settings,
    tokenizer: model.tokenizer,
    ...(signal === undefined ? {} : { signal }),
  });
  if (model.streamChoices !== undefined) return model.streamChoices({ ...request, n: samples });
  return separateChoices({
    stream: (single) => model.stream(single),
    request,
    indices: Array.from({ length: samples }, (_, index) => index),
    concurrency: options.concurrency ?? samples,
  });
}

/**
 * Samples `samples` answers to one prompt and extracts each one's SQL (FlagAI's rule, plain SQL accepted):
 * through the model's `streamChoices` when it has one (one shared prefill on the local runtime, `n` in one request
 * to an endpoint), else as n streams with seeds seed + i. Candidates are yielded in the order they end.
 */
export async function* streamSqlCandidates(options: GenerateSqlCandidatesOptions): AsyncGenerator<SqlCandidateEvent> {
  const settings = options.generation ?? sqlGenerationPresets.sampled;
  const samples = checkSampling({ samples: options.samples, settings });
  const seed = settings.seed ?? 0;
  const started = performance.now();
  const texts = Array.from({ length: samples }, () => '');
  for await (const event of choiceEvents({ ...options, samples }, settings)) {
    options.signal?.throwIfAborted();
    const { index } = event;
    if (event.text !== '') {
      texts[index] += event.text;
      yield { type: 'candidate-delta', index, text: event.text };
    }
    if (event.type === 'generation-end') {
      const text = texts[index] as string;
      const sql = extractSql({ text });
      yield {
        type: 'candidate',
        candidate: {
          index,
          seed: seed + index,
          text,
          sql: sql?.sql ?? '',
          extracted: sql !== undefined,
          finishReason: event.finishReason,
          usage: { promptTokens: event.promptTokenCount, completionTokens: event.completionTokenCount },
          ms: performance.now() - started,
        },
      };
    }
  }
}

/** {@link streamSqlCandidates}, collected: the candidates in index order. */
export async function generateSqlCandidates(options: GenerateSqlCandidatesOptions): Promise<SqlCandidate[]> {
  const candidates: SqlCandidate[] = [];
  for await (const event of streamSqlCandidates(options))
    if (event.type === 'candidate') candidates[event.candidate.index] = event.candidate;
  const missing = Array.from({ length: options.samples }, (_, index) => index).find(
    (index) => candidates[index] === undefined,
  );
  if (missing !== undefined)
    throw new EndpointError(
      `the model's stream ended without candidate ${missing} of ${options.samples}; is \`model\` a LanguageModel or an OpenAI-compatible client?`,
    );
  return candidates;
}
