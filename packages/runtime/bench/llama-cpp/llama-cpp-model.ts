import { availableParallelism } from 'node:os';
import { getLlama, type Llama, LlamaLogLevel, type LlamaModel, type Token } from 'node-llama-cpp';

/** llama.cpp through node-llama-cpp's prebuilt CPU binary: never a GPU build, never a build from source. */
export function loadLlamaCpp(): Promise<Llama> {
  return getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error });
}

export interface OpenLlamaCppModelOptions {
  llama: Llama;
  /** A GGUF file (writeLlamaGguf). */
  path: string;
  /** Sequences generated together: one llama.cpp context with this many sequences, decoded in shared batches. */
  batch: number;
  /** Positions each sequence holds (prompt plus new tokens). */
  contextSize: number;
  /** Threads llama.cpp computes with; default every core, as onnxruntime's default. */
  threads?: number;
}

export interface LlamaCppRun {
  /** The greedy tokens of each prompt, in order. */
  tokens: number[][];
  /** `performance.now()` when each new token of each prompt came (the first: the end of its prefill). */
  tokenTimes: number[][];
}

export interface LlamaCppModel {
  /** Greedy continuations of `prompts` (at most `batch` of them, each a fresh sequence), `newTokens` each. */
  generate(options: { prompts: readonly (readonly number[])[]; newTokens: number }): Promise<LlamaCppRun>;
  dispose(): Promise<void>;
}

/**
 * Opens a GGUF model on the CPU with one context of `batch` sequences. Generation is greedy (temperature 0,
 * no repeat penalty) and does not stop at end-of-generation tokens, like our bench's requests without stop ids.
 */
export async function openLlamaCppModel(options: OpenLlamaCppModelOptions): Promise<LlamaCppModel> {
  const model: LlamaModel = await options.llama.loadModel({ modelPath: options.path, gpuLayers: 0 });
  const context = await model.createContext({
    sequences: options.batch,
    contextSize: options.contextSize,
    threads: options.threads ?? availableParallelism(),
  });
  const sequences = Array.from({ length: options.batch }, () => context.getSequence());
  return {
    async generate({ prompts, newTokens }) {
      if (prompts.length > sequences.length)
        throw new Error(`${prompts.length} prompts for a context of ${sequences.length} sequences.`);
      const tokenTimes = prompts.map((): number[] => []);
      const tokens = await Promise.all(
        prompts.map(async (prompt, index) => {
          const sequence = sequences[index] as (typeof sequences)[number];
          await sequence.clearHistory();
          const generated: number[] = [];
          for await (const token of sequence.evaluate(prompt as Token[], { temperature: 0, yieldEogToken: true })) {
            tokenTimes[index]?.push(performance.now());
            generated.push(token);
            if (generated.length === newTokens) break;
          }
          return generated;
        }),
      );
      return { tokens, tokenTimes };
    },
    async dispose() {
      await context.dispose();
      await model.dispose();
    },
  };
}
