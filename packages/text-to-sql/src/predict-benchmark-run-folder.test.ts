import { appendFile, copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BadLineError, BadLinePolicy, OutputIsInputError } from '@aquila/files';
import { spiderDirectory } from '@aquila/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BenchmarkInputError, RunSettingsChangedError, TextToSqlOptionsError } from './errors.js';
import { evaluatePredictions } from './evaluate-predictions.js';
import { sqlGenerationPresets } from './generation-settings.js';
import { createOpenAiModel } from './openai-model.js';
import { type PredictBenchmarkOptions, predictBenchmark } from './predict-benchmark.js';
import { type OpenAiStandIn, startOpenAiStandIn } from './test-support/openai-stand-in.js';

// How a run folder is continued, refused, restarted and recorded: the folder is the user's data.
const questions = `${spiderDirectory}dev.json`;
const tables = `${spiderDirectory}tables.json`;
let directory: string;
let server: OpenAiStandIn;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'aquila-predict-folder-'));
  server = await startOpenAiStandIn({ chunkSize: 8, latencyMs: 5 });
});
afterAll(async () => {
  await server?.close();
  await rm(directory, { recursive: true, force: true });
});

const options = (output: string): PredictBenchmarkOptions => ({
  benchmark: 'spider',
  questions,
  tables,
  model: createOpenAiModel({ endpoint: server.url, backoffMs: 1 }),
  modelDescription: { kind: 'endpoint', endpoint: server.url, modelName: 'stand-in' },
  output,
  limit: 6,
  preset: 'greedy',
  concurrency: 2,
});

/** Every file of a folder with its bytes, to show that a refused run changed nothing. */
async function snapshot(folder: string): Promise<Record<string, string>> {
  const names = (await readdir(folder)).sort();
  return Object.fromEntries(
    await Promise.all(names.map(async (name) => [name, await readFile(join(folder, name), 'utf8')] as const)),
  );
}

const rawLines = async (folder: string): Promise<string[]> =>
  (await readFile(join(folder, 'raw_pred.jsonl'), 'utf8')).split('\n').slice(0, -1);
const record = async (folder: string): Promise<any> => JSON.parse(await readFile(join(folder, 'run.json'), 'utf8'));

describe('a rerun into the same folder', () => {
  it('with other settings is refused, naming what differs, and the folder stays as it was', async () => {
    const output = join(directory, 'refused');
    await predictBenchmark(options(output));
    expect((await rawLines(output)).length).toBe(6);
    // As a kill in the middle of a write leaves it: even this stays.
    await appendFile(join(output, 'raw_pred.jsonl'), '{"id": 6, "db_id": "concert_si');
    const before = await snapshot(output);
    const refusals: [Partial<PredictBenchmarkOptions>, RegExp][] = [
      [{ generation: sqlGenerationPresets.flagai, preset: 'flagai' }, /\(preset greedy → flagai\)/],
      [{ generation: { ...sqlGenerationPresets.greedy, maxNewTokens: 64 } }, /\(generation maxNewTokens 256 → 64\)/],
      [
        { template: { text: 'Q: {question}\n{schema}\nSQL:' } },
        /template spider → custom; the prompts of 6 questions \(first: question 0\)/,
      ],
      [
        { modelDescription: { kind: 'endpoint', endpoint: server.url, modelName: 'other-model' } },
        /model stand-in at .* → other-model at /,
      ],
      [{ benchmark: 'cspider' }, /benchmark spider → cspider/],
    ];
    for (const [change, message] of refusals) {
      const refused = predictBenchmark({ ...options(output), ...change });
      await expect(refused).rejects.toThrow(RunSettingsChangedError);
      await expect(refused).rejects.toThrow(message);
      await expect(refused).rejects.toThrow(
        /Use a new --out folder, or pass --restart to discard the earlier run's files in /,
      );
    }
    // Not 12 lines for 6 questions: nothing was added, rewritten or removed.
    expect(await snapshot(output)).toEqual(before);
  });

  it('with the same settings resumes, and a longer selection adds only the new questions', async () => {
    const output = join(directory, 'resumed');
    await predictBenchmark({ ...options(output), limit: 4 });
    // A kill in the middle of a write can cut a character in two.
    const cut = Buffer.from('{"id": 4, "question": "有几位歌手');
    await appendFile(join(output, 'raw_pred.jsonl'), cut.subarray(0, cut.length - 1));
    const requests = server.requests.length;
    // Another concurrency is the same run.
    const extended = await predictBenchmark({ ...options(output), limit: 6, concurrency: 3 });
    expect(extended).toMatchObject({ total: 6, reused: 4, generated: 2 });
    expect(server.requests.length - requests).toBe(2);
    expect((await rawLines(output)).map((line) => JSON.parse(line).id)).toEqual([0, 1, 2, 3, 4, 5]);
    expect((await readdir(output)).filter((name) => name.endsWith('.partial'))).toEqual([]);
  });

  it('with restart discards the earlier run files, and only those', async () => {
    const output = join(directory, 'restarted');
    await predictBenchmark(options(output));
    await writeFile(join(output, 'report.html'), '<p>an old report</p>');
    await writeFile(join(output, 'notes.md'), 'my notes on this run\n');
    const summary = await predictBenchmark({
      ...options(output),
      generation: sqlGenerationPresets.flagai,
      preset: 'flagai',
      limit: 3,
      restart: true,
    });
    expect(summary).toMatchObject({ total: 3, reused: 0, generated: 3 });
    expect((await readdir(output)).sort()).toEqual([
      'gold.txt',
      'notes.md',
      'predict.txt',
      'raw_pred.jsonl',
      'run.json',
    ]);
    expect(await readFile(join(output, 'notes.md'), 'utf8')).toBe('my notes on this run\n');
    expect((await rawLines(output)).length).toBe(3);
    expect(await record(output)).toMatchObject({
      preset: 'flagai',
      status: 'finished',
      counts: { total: 3, generated: 3 },
    });
  });
});

describe('the run record', () => {
  it("keeps the first run's timings when a finished run is rerun, and adds up the time of resumed sessions", async () => {
    const output = join(directory, 'timings');
    const controller = new AbortController();
    await expect(
      predictBenchmark({
        ...options(output),
        signal: controller.signal,
        onProgress: ({ done }) => done >= 2 && controller.abort(new Error('stopped by hand')),
      }),
    ).rejects.toThrow('stopped by hand');
    const stopped = await record(output);
    expect(stopped).toMatchObject({
      status: 'stopped',
      preset: 'greedy',
      finished_at: null,
      sessions: [{ outcome: 'stopped', generated: expect.any(Number) }],
    });
    expect(stopped.sessions[0].elapsed_seconds).toBeGreaterThan(0);

    await predictBenchmark(options(output));
    const finished = await record(output);
    expect(finished.status).toBe('finished');
    expect(finished.sessions.map((session: { outcome: string }) => session.outcome)).toEqual(['stopped', 'finished']);
    expect(finished.started_at).toBe(stopped.started_at);
    expect(finished.finished_at).toBe(finished.sessions[1].finished_at);
    expect(finished.elapsed_seconds).toBeCloseTo(
      finished.sessions[0].elapsed_seconds + finished.sessions[1].elapsed_seconds,
      2,
    );
    expect(finished.items_per_second).toBeGreaterThan(0);

    // Everything reused: nothing generated, so the timings are the first run's.
    const again = await predictBenchmark(options(output));
    expect(again).toMatchObject({ reused: 6, generated: 0 });
    const rerun = await record(output);
    for (const field of ['started_at', 'finished_at', 'elapsed_seconds', 'items_per_second', 'sessions'])
      expect(rerun[field]).toEqual(finished[field]);
  });

  it('knows a session whose process died (still "running") as killed, with no time counted', async () => {
    const output = join(directory, 'killed');
    await predictBenchmark({ ...options(output), limit: 3 });
    const written = await record(output);
    await writeFile(
      join(output, 'run.json'),
      JSON.stringify({
        ...written,
        status: 'running',
        sessions: [
          ...written.sessions,
          {
            started_at: new Date().toISOString(),
            finished_at: null,
            elapsed_seconds: null,
            generated: null,
            outcome: 'running',
          },
        ],
      }),
    );
    await predictBenchmark(options(output));
    const resumed = await record(output);
    expect(resumed.sessions.map((session: { outcome: string }) => session.outcome)).toEqual([
      'finished',
      'killed',
      'finished',
    ]);
    expect(resumed.elapsed_seconds).toBeCloseTo(
      resumed.sessions[0].elapsed_seconds + resumed.sessions[2].elapsed_seconds,
      2,
    );
  });
});

describe('bad input', () => {
  it('stops at a broken line of raw_pred.jsonl with file:line, and with a skipping policy generates that item again', async () => {
    const output = join(directory, 'broken-line');
    await predictBenchmark(options(output));
    const lines = await rawLines(output);
    await writeFile(
      join(output, 'raw_pred.jsonl'),
      [lines[0], '{"id": 1, "db_id": "concert_singer"', ...lines.slice(2)].map((line) => `${line}\n`).join(''),
    );
    const before = await snapshot(output);
    const stopped = predictBenchmark(options(output));
    await expect(stopped).rejects.toThrow(BadLineError);
    await expect(stopped).rejects.toThrow(/raw_pred\.jsonl:2: not a prediction line.*--skip-bad-lines/);
    expect(await snapshot(output)).toEqual(before);
    const badLines = new BadLinePolicy({ skip: true });
    expect(await predictBenchmark({ ...options(output), badLines })).toMatchObject({ reused: 5, generated: 1 });
    expect(badLines.describe()).toMatch(/^skipped 1 bad line \(.*raw_pred\.jsonl:2 not a prediction line/);
    expect((await rawLines(output)).map((line) => JSON.parse(line).id)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('says which input is missing, a folder or not JSON, with file:line:column', async () => {
    const output = join(directory, 'inputs');
    const missing = join(directory, 'no-such-dev.json');
    await expect(predictBenchmark({ ...options(output), questions: missing })).rejects.toThrow(
      new BenchmarkInputError(
        `--questions ${missing} does not exist; give the path of Spider's dev.json (a JSON array of {question, db_id, query}).`,
      ),
    );
    await expect(predictBenchmark({ ...options(output), tables: directory })).rejects.toThrow(
      `--tables ${directory} is a folder`,
    );
    const broken = join(directory, 'broken-dev.json');
    await writeFile(broken, '[\n  {"question": "q",}\n]\n');
    await expect(predictBenchmark({ ...options(output), questions: broken })).rejects.toThrow(
      `${broken}:2:20: --questions is not valid JSON`,
    );
    await writeFile(join(directory, 'a-file'), 'not a folder');
    await expect(predictBenchmark({ ...options(join(directory, 'a-file')) })).rejects.toThrow(TextToSqlOptionsError);
  });

  it('refuses to write over one of its inputs, which stays byte-identical', async () => {
    const output = join(directory, 'over-input');
    await mkdir(output);
    const questionsInFolder = join(output, 'predict.txt');
    await copyFile(questions, questionsInFolder);
    const before = await readFile(questionsInFolder, 'utf8');
    await expect(predictBenchmark({ ...options(output), questions: questionsInFolder })).rejects.toThrow(
      OutputIsInputError,
    );
    expect(await readFile(questionsInFolder, 'utf8')).toBe(before);
    expect(await readdir(output)).toEqual(['predict.txt']);
  });

  it('evaluatePredictions says when the folder is not a run, and stops at a bad gold line before writing any report', async () => {
    const empty = join(directory, 'not-a-run');
    await mkdir(empty);
    await expect(evaluatePredictions({ output: empty, tables })).rejects.toThrow(
      new BenchmarkInputError(
        `${empty} has no gold.txt: it is not a finished prediction run; run aquila predict with --out ${empty} first, or give the run folder.`,
      ),
    );
    const output = join(directory, 'bad-gold');
    await predictBenchmark({ ...options(output), limit: 2 });
    await writeFile(
      join(output, 'gold.txt'),
      'SELECT count(*) FROM singer\tconcert_singer\nSELECT count(*) FROM stadium\n',
    );
    const stopped = evaluatePredictions({ output, tables });
    await expect(stopped).rejects.toThrow(BadLineError);
    await expect(stopped).rejects.toThrow(/gold\.txt:2: /);
    const reports = async (): Promise<string[]> =>
      (await readdir(output))
        .filter((name) => !['gold.txt', 'predict.txt', 'raw_pred.jsonl', 'run.json'].includes(name))
        .sort();
    expect(await reports()).toEqual([]);
    // Skipping it, the other question is scored and the four reports appear (no temporary file stays).
    const badLines = new BadLinePolicy({ skip: true });
    const { summary } = await evaluatePredictions({ output, tables, badLines });
    expect(badLines.count).toBe(1);
    expect(summary.count.all).toBe(1);
    expect(await reports()).toEqual(['items.jsonl', 'report.html', 'report.txt', 'summary.json']);
  });
});
