// Prediction throughput of `predictBenchmark` (what `aquila predict` runs) on Spider dev questions:
// the local runtime at batch 1 (FlagAI s2's loop: one question at a time) and batched, and an OpenAI-compatible
// endpoint at concurrency 1, 4 and 16.
// Run: pnpm --filter @aquila/text-to-sql bench [-- --endpoint http://127.0.0.1:9175/v1 [--model-name NAME] [--label TEXT]]
// Without --endpoint the HTTP rows use the loopback stand-in server of the tests, which answers after a fixed
// delay (a model's generation time), so they measure the client: concurrency, streaming, retries, files.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { LanguageModel } from '@aquila/runtime';
import { writeScriptedModel } from '@aquila/runtime/testing';
import { spiderDirectory } from '@aquila/test-kit';
import {
  createOpenAiModel,
  type OpenedModel,
  type PredictBenchmarkSummary,
  predictBenchmark,
  type TextToSqlModel,
} from '../src/index.js';
import { startOpenAiStandIn } from '../src/test-support/openai-stand-in.js';

// pnpm passes the `--` through.
const { values: flags } = parseArgs({
  args: process.argv.slice(2).filter((argument) => argument !== '--'),
  options: {
    endpoint: { type: 'string' },
    'model-name': { type: 'string' },
    label: { type: 'string' },
    'local-questions': { type: 'string', default: '32' },
    'http-questions': { type: 'string', default: '64' },
  },
});
const localQuestions = Number(flags['local-questions']);
const httpQuestions = Number(flags['http-questions']);
const standInLatencyMs = 100;

interface Row {
  path: string;
  concurrency: number;
  summary: PredictBenchmarkSummary;
  tokens: number;
}

const directory = await mkdtemp(join(tmpdir(), 'aquila-predict-bench-'));
const rows: Row[] = [];

async function measure(
  path: string,
  model: TextToSqlModel,
  description: OpenedModel['description'],
  concurrency: number,
  limit: number,
): Promise<void> {
  const output = join(directory, `${rows.length}`);
  const summary = await predictBenchmark({
    benchmark: 'spider',
    questions: `${spiderDirectory}dev.json`,
    tables: `${spiderDirectory}tables.json`,
    model,
    modelDescription: description,
    output,
    limit,
    concurrency,
  });
  if (summary.extracted !== summary.total)
    throw new Error(
      `${path}: ${summary.total - summary.extracted} questions got no SQL; the benchmark expects an answer for each.`,
    );
  const record = JSON.parse(await readFile(summary.files.record, 'utf8')) as {
    tokens: { prompt: number; completion: number };
  };
  // The stand-in counts characters, not tokens.
  rows.push({
    path,
    concurrency,
    summary,
    tokens: path.includes('stand-in') ? Number.NaN : record.tokens.prompt + record.tokens.completion,
  });
  process.stderr.write(`${path} c=${concurrency}: ${summary.itemsPerSecond.toFixed(2)} questions/s\n`);
}

try {
  // Local: a converted decoder over Aquila's vocabulary (hidden 64, one layer) that answers every prompt with a
  // six-token SQL, so the runtime's work is mostly prefill of the ~250-token AquilaSQL prompts.
  const scripted = await writeScriptedModel({ scripts: [{ output: 'SELECT count(*) FROM singer' }] });
  try {
    for (const batch of [1, 8]) {
      const model = await LanguageModel.load({ path: scripted.path, maxBatchSize: batch });
      try {
        // A warm-up question, so onnxruntime's first-run costs are not in the numbers.
        await measure('warm-up', model, { kind: 'local', path: scripted.path }, 1, 1);
        rows.pop();
        await measure(
          `local runtime, batch ${batch}`,
          model,
          { kind: 'local', path: scripted.path },
          batch,
          localQuestions,
        );
      } finally {
        await model.release();
      }
    }
  } finally {
    await scripted.remove();
  }

  const standIn = flags.endpoint === undefined ? await startOpenAiStandIn({ latencyMs: standInLatencyMs }) : undefined;
  const endpoint = flags.endpoint ?? (standIn?.url as string);
  try {
    for (const concurrency of [1, 4, 16]) {
      const model = createOpenAiModel({
        endpoint,
        ...(flags['model-name'] === undefined ? {} : { modelName: flags['model-name'] }),
      });
      const label =
        standIn === undefined ? `HTTP ${flags.label ?? endpoint}` : `HTTP stand-in (${standInLatencyMs} ms/answer)`;
      await measure(
        label,
        model,
        { kind: 'endpoint', endpoint, modelName: await model.modelName() },
        concurrency,
        httpQuestions,
      );
    }
  } finally {
    await standIn?.close();
  }

  const header = ['path', 'in flight', 'questions', 'questions/s', 'tokens/s', 'vs. first row of its path'];
  const firsts = new Map<string, number>();
  const table = rows.map((row) => {
    const first = firsts.get(row.path.split(',')[0] as string) ?? row.summary.itemsPerSecond;
    firsts.set(row.path.split(',')[0] as string, first);
    return [
      row.path,
      String(row.concurrency),
      String(row.summary.total),
      row.summary.itemsPerSecond.toFixed(2),
      Number.isNaN(row.tokens) ? '—' : (row.tokens / row.summary.elapsedSeconds).toFixed(0),
      `${(row.summary.itemsPerSecond / first).toFixed(2)}×`,
    ];
  });
  const widths = header.map((title, column) =>
    Math.max(title.length, ...table.map((cells) => (cells[column] as string).length)),
  );
  const line = (cells: string[]): string =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column] as number)).join(' | ')} |\n`;
  process.stdout.write(
    `\nNode ${process.version}, load average ${loadavg()[0]?.toFixed(2)}; Spider dev questions from the start of dev.json\n\n`,
  );
  process.stdout.write(
    `${line(header)}|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|\n${table.map(line).join('')}`,
  );
} finally {
  await rm(directory, { recursive: true, force: true });
}
