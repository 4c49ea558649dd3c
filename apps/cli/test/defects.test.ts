// Issue 15's defects as a user meets them: each runs the built binary on real files and checks the result.
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { childProcesses, isAlive, needs } from '@aquila/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBuiltCli } from '../src/test-support/run-built-cli.js';
import { byteTokenizer } from './fixtures/byte-tokenizer.js';

const tinySpider = fileURLToPath(new URL('./fixtures/tiny-spider/', import.meta.url));
let directory: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'aquila-defects-'));
  await cp(tinySpider, join(directory, 'spider'), { recursive: true });
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

const spider = (name: string): string => join(directory, 'spider', name);

describe('aquila eval on predictions that used to hang, crash or score wrongly', () => {
  it('scores an empty double-quoted name, a 10 MB string literal and an empty prediction, and goes on', async () => {
    const gold = join(directory, 'gold.sql');
    const pred = join(directory, 'pred.sql');
    const items = join(directory, 'items.jsonl');
    await writeFile(
      gold,
      `${[
        'SELECT count(*) FROM singer\tsingers',
        `SELECT name FROM singer WHERE country = 'France'\tsingers`,
        "SELECT name FROM singer WHERE country = 'Spain'\tsingers",
        'SELECT count(*) FROM singer\tsingers',
      ].join('\n')}\n`,
    );
    await writeFile(
      pred,
      `${[
        'SELECT""FROM singer',
        `SELECT name FROM singer WHERE country = '${'x'.repeat(10_000_000)}'`,
        '',
        'SELECT count(*) FROM singer',
      ].join('\n')}\n`,
    );
    const result = await runBuiltCli({
      args: [
        'eval',
        '--gold',
        gold,
        '--pred',
        pred,
        '--db',
        spider('database'),
        '--tables',
        spider('tables.json'),
        '--per-item',
        items,
        '--workers',
        '1',
        '--timeout',
        '20',
      ],
      timeoutMs: 120_000,
    });
    expect(result.timedOut).toBe(false);
    expect(result.stderr).not.toMatch(/\n\s+at |RangeError|Maximum call stack/);
    expect(result.status, result.stderr).toBe(0);
    const verdicts = (await readFile(items, 'utf8'))
      .trim()
      .split('\n')
      .slice(0, 4)
      .map((line) => JSON.parse(line) as { exec?: number; exact?: number });
    expect(verdicts.map((verdict) => verdict.exec)).toEqual([0, 0, 0, 1]);
    expect(verdicts[3]?.exact).toBe(1);
  }, 150_000);
});

describe('aquila eval reports to a device', () => {
  it('writes --json /dev/stdout in place, leaving the device a device', async () => {
    // Through a shell pipe, as a user runs it (a socket, as Node's own child stdio is, cannot be reopened by name).
    const { execFile } = await import('node:child_process');
    const { builtCli } = await import('../src/test-support/run-built-cli.js');
    const args = [
      'eval',
      '--etype',
      'match',
      '--gold',
      spider('gold.sql'),
      '--pred',
      spider('pred.sql'),
      '--db',
      spider('database'),
      '--tables',
      spider('tables.json'),
      '--json',
      '/dev/stdout',
      '--html',
      '/dev/null',
    ];
    const command = `"${process.execPath}" "${builtCli}" ${args.map((arg) => `'${arg}'`).join(' ')} | cat`;
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile('bash', ['-o', 'pipefail', '-c', command], { timeout: 60_000 }, (error, out) =>
        error ? reject(error) : resolve(out),
      ),
    );
    expect(stdout.startsWith('{\n')).toBe(true);
    const { statSync } = await import('node:fs');
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
  });
});

describe('aquila eval without databases', () => {
  it('says n/a for the run rate rather than 0.000', async () => {
    const result = await runBuiltCli({
      args: [
        'eval',
        '--etype',
        'match',
        '--gold',
        spider('gold.sql'),
        '--pred',
        spider('pred.sql'),
        '--db',
        join(directory, 'no-databases'),
        '--tables',
        spider('tables.json'),
      ],
    });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain('runs without error   0/3 = n/a (no prediction was run: no database files)');
  });
});

describe('aquila data inspect', () => {
  let prefix: string;
  beforeAll(async () => {
    const input = join(directory, 'docs.jsonl');
    await writeFile(input, `${['{"text":"select count ( * ) from singer"}', '{"text":"有多少歌手？"}'].join('\n')}\n`);
    const packed = await runBuiltCli({
      args: ['data', 'pack', '--input', input, '--output-prefix', join(directory, 'packed')],
    });
    expect(packed.status, packed.stderr).toBe(0);
    prefix = join(directory, 'packed_text_document');
  });

  it('reads the pair when given the .bin or the .idx', async () => {
    for (const path of [`${prefix}.bin`, `${prefix}.idx`, prefix]) {
      const result = await runBuiltCli({ args: ['data', 'inspect', path, '--document', '1'] });
      expect(result.status, result.stderr).toBe(0);
      expect(result.stdout).toContain('2 documents');
      expect(result.stdout).toContain('有多少歌手？');
    }
  });

  it('refuses a document past the end, and a tokenizer the dataset was not packed with', async () => {
    const past = await runBuiltCli({ args: ['data', 'inspect', prefix, '--document', '2'] });
    expect(past.status).toBe(2);
    expect(past.stderr).toMatch(
      /^aquila data inspect: --document 2 is past the end: the dataset has 2 documents, 0 to 1; see 'aquila data inspect --help' \[AQUILA_USAGE\]\n$/,
    );
    const tokenizer = join(directory, 'gpt2-bytes.json');
    await writeFile(tokenizer, byteTokenizer());
    const wrong = await runBuiltCli({ args: ['data', 'inspect', prefix, '--tokenizer', tokenizer] });
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toMatch(
      /^aquila data inspect: the document holds id \d+, past the 256 ids of --tokenizer .*give the tokenizer it was packed with/,
    );
    expect(wrong.stdout).not.toContain('select');
  });
});

describe('aquila train stop', () => {
  it('leaves a run that has ended as it is, and signals nothing', async () => {
    const sft = join(directory, 'sft.jsonl');
    const record = (question: string, sql: string): string =>
      JSON.stringify({
        id: question,
        conversations: [
          { from: 'human', value: question },
          { from: 'gpt', value: sql },
        ],
      });
    await writeFile(
      sft,
      `${record('How many singers are there?', 'SELECT count(*) FROM singer')}\n${record('List the names of singers.', 'SELECT name FROM singer')}\n`,
    );
    await writeFile(
      join(directory, 'run.yaml'),
      `name: tiny\noutput: ${join(directory, 'runs', 'tiny')}\nmodel: { layers: 1, hiddenSize: 32, attentionHeads: 4, ffnHiddenSize: 64, sequenceLength: 64 }\ndata: { sftFile: ${sft} }\nschedule: { trainIterations: 2 }\nlogInterval: 1\n`,
    );
    const trained = await runBuiltCli({
      args: ['train', '--config', join(directory, 'run.yaml'), '--engine', 'local'],
      timeoutMs: 120_000,
    });
    expect(trained.status, trained.stderr).toBe(0);
    const runDirectory = join(directory, 'runs', 'tiny');
    const before = await readFile(join(runDirectory, 'run.json'), 'utf8');
    const stopped = await runBuiltCli({ args: ['train', 'stop', runDirectory] });
    expect(stopped.status, stopped.stderr).toBe(0);
    expect(stopped.stdout).toMatch(/had already ended \(completed/);
    expect(await readFile(join(runDirectory, 'run.json'), 'utf8')).toBe(before);
  }, 150_000);
});

describe('aquila demo', () => {
  it('refuses a folder it did not write, keeping the files', async () => {
    const out = join(directory, 'mine');
    await cp(tinySpider, out, { recursive: true });
    const result = await runBuiltCli({ args: ['demo', '--out', out] });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /^aquila demo: .*mine already holds \d+ entries that aquila demo did not write .*--force.* \[AQUILA_OUTPUT_FOLDER_NOT_OWNED\]\n$/,
    );
    expect((await readdir(out)).sort()).toEqual((await readdir(tinySpider)).sort());
  });
});

const processList = needs({ processList: true });

describe('killing aquila eval', () => {
  it.skipIf(processList.skip)(
    `takes its SQLite child processes with it, even mid-query ${processList.label}`,
    async () => {
      const gold = join(directory, 'slow-gold.sql');
      const pred = join(directory, 'slow-pred.sql');
      await writeFile(gold, 'SELECT count(*) FROM singer\tsingers\n');
      // Sixteen copies of four rows: 4^16 rows to count, far longer than the test waits.
      await writeFile(
        pred,
        `SELECT count(*) FROM ${Array.from({ length: 16 }, (_, index) => `singer AS t${index}`).join(', ')}\n`,
      );
      const { spawn } = await import('node:child_process');
      const { builtCli } = await import('../src/test-support/run-built-cli.js');
      const child = spawn(
        process.execPath,
        [
          builtCli,
          'eval',
          '--gold',
          gold,
          '--pred',
          pred,
          '--db',
          spider('database'),
          '--tables',
          spider('tables.json'),
          '--workers',
          '1',
        ],
        { stdio: 'ignore' },
      );
      const pid = child.pid as number;
      try {
        let children: number[] = [];
        const deadline = Date.now() + 60_000;
        while (children.length === 0 && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          children = childProcesses({ parent: pid });
        }
        expect(children.length, 'eval started no child process').toBeGreaterThan(0);
        await new Promise((resolve) => setTimeout(resolve, 500));
        child.kill('SIGKILL');
        const gone = Date.now() + 15_000;
        while (children.some(isAlive) && Date.now() < gone) await new Promise((resolve) => setTimeout(resolve, 100));
        expect(children.filter(isAlive)).toEqual([]);
      } finally {
        if (child.exitCode === null) child.kill('SIGKILL');
      }
    },
    120_000,
  );
});
