import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OutputFolderNotOwnedError, OutputPathError } from '@aquila/files';
import { fixturePath } from '@aquila/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoResult, runDemo } from './run-demo.js';

const spider = fixturePath('spider-dev');
let directory: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'aquila-demo-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('runDemo', () => {
  // Fast settings: a 1-layer model, a few steps, two Spider questions, short answers.
  const fast = { steps: 6, layers: 1, hiddenSize: 64, questions: 2, trainingQuestions: 1, maxNewTokens: 8 };

  it('runs data → train → convert → generate → evaluate and writes one report', { timeout: 300_000 }, async () => {
    const lines: string[] = [];
    const output = join(directory, 'with-spider');
    const result: DemoResult = await runDemo({ output, spider, ...fast, onLog: (line) => lines.push(line) });
    expect(result.reportFile).toBe(join(output, 'report.html'));
    expect(lines.map((line) => line.split(':')[0])).toEqual([
      'data',
      'train',
      'convert',
      'generate',
      'evaluate',
      'report',
    ]);

    expect(result.data.sftRecords).toBeGreaterThan(5);
    expect(result.data.kept).toBeLessThanOrEqual(result.data.read);
    expect(result.training?.steps).toBe(6);
    // The converted model is self-contained: graph, weights and the tokenizer the checkpoint carried.
    expect(
      ['model.onnx', 'tokenizer.json', 'special_tokens_map.json'].every((file) =>
        existsSync(join(output, 'model', file)),
      ),
    ).toBe(true);
    expect(result.answers.map(({ kind }) => kind)).toEqual(['training', 'spider', 'spider']);
    // The two questions are spread over dev: the first and the middle of those with a database.
    expect(result.answers[1]?.database).toBe('concert_singer');
    expect(await readFile(join(output, 'spider', 'gold.txt'), 'utf8')).toMatch(
      /^SELECT count\(\*\) FROM singer\tconcert_singer\n.+\t\w+\n$/,
    );
    if (!('summary' in result.spider)) throw new Error(`Spider part skipped: ${result.spider.skipped}`);
    expect(result.spider.summary.count.all).toBe(2);
    expect(result.answers.slice(1).every(({ verdict }) => verdict !== undefined && verdict.exact !== undefined)).toBe(
      true,
    );

    const html = await readFile(result.reportFile, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain(`${result.data.kept} of ${result.data.read} records kept`);
    expect(html).toContain('<svg'); // the loss curve
    expect(html).toContain('How many singers do we have?');
    expect(html).toMatch(/<th>hardness<\/th><th>questions<\/th><th>exact match<\/th><th>execution<\/th>/);
    expect(html).toMatch(/<tr><td>all<\/td><td>2<\/td>/);
    expect(html).toContain('scores about 0 on Spider');
  });

  it('without the Spider fixtures, skips the Spider part with a clear line and still reports', {
    timeout: 300_000,
  }, async () => {
    const lines: string[] = [];
    const output = join(directory, 'no-spider');
    const result = await runDemo({
      output,
      spider: join(directory, 'nowhere'),
      ...fast,
      onLog: (line) => lines.push(line),
    });
    expect(lines).toContain(
      `spider: skipped: the Spider dev fixtures (dev.json, tables.json, database/) are not at ${join(directory, 'nowhere')}`,
    );
    expect(result.answers.map(({ kind }) => kind)).toEqual(['training']);
    expect(result.spider).toEqual({ skipped: expect.stringContaining('not at') });
    const html = await readFile(result.reportFile, 'utf8');
    expect(html).toContain('<p>Skipped: the Spider dev fixtures');
    expect(html).toContain('<svg');

    // --model: the same flow on a given converted model, without training.
    const again = await runDemo({
      output: join(directory, 'given-model'),
      model: join(output, 'model'),
      trainingQuestions: 1,
      maxNewTokens: 4,
      onLog: (line) => lines.push(line),
    });
    expect(again.training).toBeUndefined();
    expect(again.answers).toHaveLength(1);
    expect(await readFile(again.reportFile, 'utf8')).toContain('No training: answers come from the given model');
  });

  it('refuses a folder holding files it did not write (unless forced), and empties its own folder on a rerun', {
    timeout: 300_000,
  }, async () => {
    const mine = join(directory, 'mine');
    await mkdir(mine);
    await writeFile(join(mine, 'thesis.tex'), 'my work');
    await expect(runDemo({ output: mine, ...fast })).rejects.toThrow(OutputFolderNotOwnedError);
    await expect(runDemo({ output: mine, ...fast })).rejects.toThrow(
      /already holds 1 entry that aquila demo did not write \(thesis\.tex\); choose a new or empty folder, or pass --force/,
    );
    expect(await readdir(mine)).toEqual(['thesis.tex']);
    expect(await readFile(join(mine, 'thesis.tex'), 'utf8')).toBe('my work');
    // A model or Spider folder inside the output folder would be emptied away before it is read.
    await expect(
      runDemo({ output: join(directory, 'outer'), model: join(directory, 'outer', 'model') }),
    ).rejects.toThrow(OutputPathError);
    await expect(runDemo({ output: directory, spider: join(directory, 'spider-dev') })).rejects.toThrow(
      /the Spider folder \(--spider\) .* lies inside the demo's output folder/,
    );
    expect(existsSync(join(directory, 'outer'))).toBe(false);

    // With force the folder is emptied and written; from then on it is the demo's, and a rerun empties it again.
    const tiny = {
      steps: 2,
      layers: 1,
      hiddenSize: 32,
      trainingQuestions: 1,
      maxNewTokens: 2,
      spider: join(directory, 'nowhere'),
    };
    const forced = await runDemo({ output: mine, force: true, ...tiny });
    expect(existsSync(join(mine, 'thesis.tex'))).toBe(false);
    await mkdir(join(mine, 'spider'), { recursive: true });
    await writeFile(join(mine, 'spider', 'stale.txt'), 'left by the first run');
    const again = await runDemo({ output: mine, ...tiny });
    expect(again.reportFile).toBe(forced.reportFile);
    expect(await readFile(again.reportFile, 'utf8')).toMatch(/^<!doctype html>/);
    expect(existsSync(join(mine, 'spider', 'stale.txt'))).toBe(false);
  });
});
