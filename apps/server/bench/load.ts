// `pnpm --filter @aquila/server bench`: a bounded loopback load on `/v1/completions` at several
// concurrencies (fixed request counts), against the peer "the same requests as direct LanguageModel
// calls, no HTTP", in the same run. The model is the tests' scripted one-layer decoder over Aquila's
// 100008-token vocabulary: each request generates exactly `maxTokens` tokens, so the numbers measure the
// server, the scheduler and the LM head, not a real model's quality.
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { writeScriptedModel } from '@aquila/runtime/testing';
import type { Result } from 'autocannon';
import { startServer } from '../src/start-server.js';
import { serverScripts } from '../src/test-support/server-scripts.js';

const maxTokens = 16;
const parallel = 8;
const queue = 8;
const rows: { concurrency: number; requests: number }[] = [
  { concurrency: 1, requests: 24 },
  { concurrency: 4, requests: 64 },
  { concurrency: 16, requests: 128 },
  // Past --parallel + --queue (16): the intended 429s.
  { concurrency: 32, requests: 128 },
];

/** autocannon in its own process, so the client does not share the server's event loop. */
async function load(url: string, body: string, connections: number, amount: number): Promise<Result> {
  const cli = createRequire(import.meta.url).resolve('autocannon');
  const args = [
    cli,
    '--json',
    '-m',
    'POST',
    '-H',
    'content-type=application/json',
    '-b',
    body,
    '-c',
    String(connections),
    '-a',
    String(amount),
    '-t',
    '60',
    url,
  ];
  const { stdout } = await promisify(execFile)(process.execPath, args, { maxBuffer: 16 * 2 ** 20 });
  return JSON.parse(stdout) as Result;
}

const megabytes = (bytes: number): string => (bytes / 2 ** 20).toFixed(0);
const rss = (): number => {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().rss;
};

const scripted = await writeScriptedModel({ scripts: Object.values(serverScripts) });
const server = await startServer({ model: scripted.path, port: 0, parallel, queue, log: null });
const body = JSON.stringify({ prompt: serverScripts.loop.after, max_tokens: maxTokens, temperature: 0 });
const generated = async (): Promise<number> =>
  Number(/^aquila_generated_tokens_total (\d+)$/m.exec(await (await fetch(`${server.url}/metrics`)).text())?.[1]);

try {
  // Warm-up: first requests pay for onnxruntime's allocations.
  await load(`${server.url}/v1/completions`, body, 4, 16);
  const table: string[] = [
    `| client | concurrency | requests | req/s | p50 ms | p99 ms | tokens/s | errors | 429 | RSS before MB | RSS after MB |`,
    `|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|`,
  ];
  for (const { concurrency, requests } of rows) {
    const rssBefore = rss();
    const tokensBefore = await generated();
    const result = await load(`${server.url}/v1/completions`, body, concurrency, requests);
    const tokens = (await generated()) - tokensBefore;
    const seconds = result.duration;
    const rejected = result.statusCodeStats?.['429' as keyof typeof result.statusCodeStats]?.count ?? 0;
    const errors = result.errors + result.timeouts + result.non2xx - rejected;
    table.push(
      `| HTTP (autocannon) | ${concurrency} | ${requests} | ${(result['2xx'] / seconds).toFixed(1)} | ${result.latency.p50} | ${result.latency.p99} | ${(tokens / seconds).toFixed(0)} | ${errors} | ${rejected} | ${megabytes(rssBefore)} | ${megabytes(rss())} |`,
    );
    if (concurrency > parallel + queue) continue;
    // The peer: the same generations straight on the LanguageModel, `concurrency` at a time.
    const latencies: number[] = [];
    let peerTokens = 0;
    const started = performance.now();
    const promptIds = server.model.tokenizer!.encode(serverScripts.loop.after, { parseSpecialTokens: false });
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < requests) {
          next += 1;
          const begin = performance.now();
          const { tokenIds } = await server.model.generate({ promptIds, maxNewTokens: maxTokens, temperature: 0 });
          latencies.push(performance.now() - begin);
          peerTokens += tokenIds.length;
        }
      }),
    );
    const peerSeconds = (performance.now() - started) / 1000;
    latencies.sort((left, right) => left - right);
    const percentile = (fraction: number): number =>
      Math.round(latencies[Math.min(latencies.length - 1, Math.floor(fraction * latencies.length))] as number);
    table.push(
      `| LanguageModel (no HTTP) | ${concurrency} | ${requests} | ${(requests / peerSeconds).toFixed(1)} | ${percentile(0.5)} | ${percentile(0.99)} | ${(peerTokens / peerSeconds).toFixed(0)} | 0 | 0 | | |`,
    );
  }
  console.log(
    `server load: /v1/completions, ${maxTokens} tokens per request, greedy, --parallel ${parallel} --queue ${queue}, scripted 1-layer model (vocab 100008)\n`,
  );
  console.log(table.join('\n'));
} finally {
  await server.close({ drainTimeoutMs: 0 });
  await scripted.remove();
}
