import type { GenerationEvent } from '@aquila/runtime';
import type { SqlGenerationRequest } from '../generation-settings.js';
import type { SqlChoiceEvent } from '../text-to-sql-model.js';
import { mergeStreams } from './merge-streams.js';

export interface SeparateChoicesOptions {
  /** One generation stream. */
  stream: (request: SqlGenerationRequest) => AsyncIterable<GenerationEvent>;
  request: SqlGenerationRequest;
  /** The choices to generate: choice i with seed `(request.seed ?? 0) + i`. */
  indices: readonly number[];
  /** Streams read at once. */
  concurrency: number;
}

/** Choices as one stream each, merged as their events come and tagged with their index. */
export async function* separateChoices(options: SeparateChoicesOptions): AsyncGenerator<SqlChoiceEvent> {
  const { stream, request, indices } = options;
  const seed = request.seed ?? 0;
  for await (const { source, value } of mergeStreams({
    sources: indices.map((index) => () => stream({ ...request, seed: seed + index })),
    concurrency: options.concurrency,
  }))
    yield { ...value, index: indices[source] as number };
}
