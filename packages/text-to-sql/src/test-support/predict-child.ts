// Test scaffolding: one `predictBenchmark` run in a process of its own, so a test can kill it with SIGKILL.
// Arguments: '<PredictBenchmarkOptions without model, plus endpoint>' (started with moduleCommand of @aquila/files).
import { createOpenAiModel } from '../openai-model.js';
import { type PredictBenchmarkOptions, predictBenchmark } from '../predict-benchmark.js';

const options = JSON.parse(process.argv[2] as string) as Omit<PredictBenchmarkOptions, 'model'> & { endpoint: string };
await predictBenchmark({ ...options, model: createOpenAiModel({ endpoint: options.endpoint, backoffMs: 1 }) });
