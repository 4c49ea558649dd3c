// The bad-input suite: every command, every kind of file it reads, given what users really give it. Each case
// runs the built binary and asserts a clean failure: the expected exit status, exactly one line on stderr of the
// form `aquila <command>: … [CODE]` with no stack frames, the case's files byte-identical afterwards and no new
// file left behind (no output under its final name, no temporary file).
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBuiltCli } from '../src/test-support/run-built-cli.js';

const tinySpider = fileURLToPath(new URL('./fixtures/tiny-spider/', import.meta.url));

interface BadInputCase {
  name: string;
  /** Files of the case's folder: text, bytes, or `null` for a folder. `spider/` holds the tiny Spider fixture. */
  files?: Record<string, string | Uint8Array | null>;
  /** The arguments after `aquila`; `$` stands for the case's folder. */
  args: string[];
  /** 2 for usage errors, 1 for failures. */
  exit: 1 | 2;
  /** The code in brackets. */
  code: string | RegExp;
  /** What the message must say (file:line, the path, the flag). */
  message?: RegExp;
  input?: string;
}

const jsonl = (...records: unknown[]): string =>
  `${records.map((record) => (typeof record === 'string' ? record : JSON.stringify(record))).join('\n')}\n`;
const spiderArgs = (gold = '$/spider/gold.sql', pred = '$/spider/pred.sql'): string[] => [
  '--gold',
  gold,
  '--pred',
  pred,
  '--db',
  '$/spider/database',
  '--tables',
  '$/spider/tables.json',
  '--workers',
  '1',
];

const cases: BadInputCase[] = [
  // The command line itself.
  { name: 'no command', args: [], exit: 2, code: 'AQUILA_USAGE', message: /give a command/ },
  {
    name: 'unknown command',
    args: ['frobnicate'],
    exit: 2,
    code: 'AQUILA_USAGE',
    message: /unknown command 'frobnicate'/,
  },
  {
    name: 'unknown option',
    args: ['tokenize', '--text', 'a', '--frobnicate'],
    exit: 2,
    code: 'AQUILA_USAGE',
    message: /unknown option '--frobnicate'/,
  },
  {
    name: 'a required option missing',
    args: ['eval', '--gold', 'x'],
    exit: 2,
    code: 'AQUILA_USAGE',
    message: /required option '--pred <file>' not specified; see 'aquila eval --help'/,
  },
  {
    name: 'data without subcommand',
    args: ['data'],
    exit: 2,
    code: 'AQUILA_USAGE',
    message: /give a subcommand \(build, pack, inspect, fetch\)/,
  },

  // tokenize
  {
    name: 'tokenize: missing input',
    args: ['tokenize', '--input', '$/missing.jsonl', '--output', '$/out.jsonl'],
    exit: 1,
    code: 'ENOENT',
    message: /missing\.jsonl: no such file/,
  },
  {
    name: 'tokenize: a folder as input',
    files: { 'folder/': null },
    args: ['tokenize', '--input', '$/folder', '--output', '$/out.jsonl'],
    exit: 1,
    code: 'EISDIR',
    message: /folder/,
  },
  {
    name: 'tokenize: output into a missing folder',
    files: { 'in.jsonl': jsonl({ text: 'a' }) },
    args: ['tokenize', '--input', '$/in.jsonl', '--output', '$/nowhere/out.jsonl'],
    exit: 1,
    code: 'AQUILA_OUTPUT_PATH',
    message: /nowhere does not exist/,
  },
  {
    name: 'tokenize: output is the input',
    files: { 'in.jsonl': jsonl({ text: 'keep me' }) },
    args: ['tokenize', '--input', '$/in.jsonl', '--output', '$/in.jsonl'],
    exit: 1,
    code: 'AQUILA_OUTPUT_IS_INPUT',
    message: /--output .*in\.jsonl is also the input/,
  },
  {
    name: 'tokenize: output is a folder',
    files: { 'in.jsonl': jsonl({ text: 'a' }), 'folder/': null },
    args: ['tokenize', '--input', '$/in.jsonl', '--output', '$/folder'],
    exit: 1,
    code: 'AQUILA_OUTPUT_PATH',
    message: /is a folder/,
  },
  {
    name: 'tokenize: broken JSON on line 3',
    files: { 'in.jsonl': jsonl({ text: 'a' }, { text: 'b' }, '{"text": "c"', { text: 'd' }) },
    args: ['tokenize', '--input', '$/in.jsonl', '--output', '$/out.jsonl'],
    exit: 1,
    code: 'AQUILA_BAD_LINE',
    message: /in\.jsonl:3: /,
  },
  {
    name: 'tokenize: broken line 2,500 of 3,000, on worker threads',
    files: {
      'in.jsonl': jsonl(
        ...Array.from({ length: 3000 }, (_, index) =>
          index === 2499 ? '{"text": broken' : { text: `select ${index} from singer` },
        ),
      ),
    },
    args: ['tokenize', '--threads', '2', '--input', '$/in.jsonl', '--output', '$/out.jsonl'],
    exit: 1,
    code: 'AQUILA_BAD_LINE',
    message: /in\.jsonl:2500: /,
  },
  {
    name: 'tokenize: bytes that are not UTF-8',
    files: {
      'in.jsonl': Buffer.concat([
        Buffer.from('{"text":"a"}\n{"text":"'),
        Buffer.from([0xc3, 0x28]),
        Buffer.from('"}\n'),
      ]),
    },
    args: ['tokenize', '--input', '$/in.jsonl', '--output', '$/out.jsonl'],
    exit: 1,
    code: 'AQUILA_BAD_LINE',
    message: /in\.jsonl:2: .*UTF-8/,
  },
  {
    name: 'tokenize: the field is missing',
    files: { 'in.jsonl': jsonl({ question: 'a' }) },
    args: ['tokenize', '--input', '$/in.jsonl', '--output', '$/out.jsonl'],
    exit: 1,
    code: 'AQUILA_BAD_LINE',
    message: /in\.jsonl:1: .*text/,
  },
  {
    name: 'tokenize --decode of a text file',
    files: { 'notes.txt': 'just some text\nand more\n' },
    args: ['tokenize', '--decode', '--input', '$/notes.txt', '--output', '$/out.jsonl'],
    exit: 1,
    code: 'AQUILA_BAD_LINE',
    message: /notes\.txt:1: /,
  },
  {
    name: 'tokenize --decode of ids past the vocabulary',
    files: { 'ids.jsonl': jsonl({ ids: [1, 2, 999_999_999] }) },
    args: ['tokenize', '--decode', '--input', '$/ids.jsonl', '--output', '$/out.jsonl'],
    exit: 1,
    code: /AQUILA_/,
    message: /ids\.jsonl:1: /,
  },
  {
    name: 'tokenize: missing tokenizer file',
    args: ['tokenize', '--tokenizer', '$/missing-tokenizer.json', '--text', 'a'],
    exit: 1,
    code: /ENOENT|AQUILA_/,
    message: /missing-tokenizer\.json/,
  },
  {
    name: 'tokenize: tokenizer.json that is not JSON',
    files: { 'tokenizer.json': '{"model": {"type": "BPE", "vocab": {' },
    args: ['tokenize', '--tokenizer', '$/tokenizer.json', '--text', 'a'],
    exit: 1,
    code: /AQUILA_/,
    message: /tokenizer\.json/,
  },
  {
    name: 'tokenize: tokenizer.json of the wrong shape',
    files: { 'tokenizer.json': JSON.stringify({ model: { type: 'BPE', vocab: [1, 2], merges: 'x' } }) },
    args: ['tokenize', '--tokenizer', '$/tokenizer.json', '--text', 'a'],
    exit: 1,
    code: /AQUILA_/,
    message: /tokenizer\.json/,
  },
  {
    name: 'tokenize: zero threads',
    args: ['tokenize', '--threads', '0', '--text', 'a'],
    exit: 2,
    code: 'AQUILA_USAGE',
    message: /threads must be an integer ≥ 1/,
  },

  // data pack / inspect / build / fetch
  {
    name: 'data pack: broken JSON',
    files: { 'docs.jsonl': jsonl({ text: 'a' }, 'not json at all') },
    args: ['data', 'pack', '--input', '$/docs.jsonl', '--output-prefix', '$/packed'],
    exit: 1,
    code: 'AQUILA_BAD_LINE',
    message: /docs\.jsonl:2: /,
  },
  {
    name: 'data pack: wrong --json-key',
    files: { 'docs.jsonl': jsonl({ content: 'a' }, { content: 'b' }) },
    args: ['data', 'pack', '--input', '$/docs.jsonl', '--output-prefix', '$/packed', '--json-key', 'text'],
    exit: 1,
    code: 'AQUILA_BAD_LINE',
    message: /docs\.jsonl:1: .*content/,
  },
  {
    name: 'data pack: missing input',
    args: ['data', 'pack', '--input', '$/docs.jsonl', '--output-prefix', '$/packed'],
    exit: 1,
    code: /ENOENT|AQUILA_/,
    message: /docs\.jsonl/,
  },
  {
    name: 'data pack: output into a missing folder',
    files: { 'docs.jsonl': jsonl({ text: 'a' }) },
    args: ['data', 'pack', '--input', '$/docs.jsonl', '--output-prefix', '$/nowhere/packed'],
    exit: 1,
    code: /ENOENT|AQUILA_/,
    message: /nowhere/,
  },
  {
    name: 'data inspect: missing prefix',
    args: ['data', 'inspect', '$/nothing'],
    exit: 1,
    code: /AQUILA_/,
    message: /nothing/,
  },
  {
    name: 'data inspect: an index that is not MMIDIDX',
    files: { 'junk.idx': 'MMIDIDX\0\0 but not really', 'junk.bin': '' },
    args: ['data', 'inspect', '$/junk'],
    exit: 1,
    code: /AQUILA_/,
    message: /junk\.idx/,
  },
  {
    name: 'data inspect: random bytes as an index',
    files: {
      'noise.idx': Uint8Array.from({ length: 300 }, (_, index) => (index * 7919) % 256),
      'noise.bin': new Uint8Array(16),
    },
    args: ['data', 'inspect', '$/noise'],
    exit: 1,
    code: /AQUILA_/,
    message: /noise\.idx/,
  },
  {
    name: 'data build: missing config',
    args: ['data', 'build', '--config', '$/build.yaml', '--out', '$/out'],
    exit: 1,
    code: /ENOENT|AQUILA_/,
    message: /build\.yaml/,
  },
  {
    name: 'data build: config that is not YAML',
    files: { 'build.yaml': 'sources: [unclosed\n  - : :\n' },
    args: ['data', 'build', '--config', '$/build.yaml', '--out', '$/out'],
    exit: 1,
    code: /AQUILA_/,
    message: /build\.yaml/,
  },
  {
    name: 'data build: config of the wrong shape',
    files: { 'build.yaml': 'sources: 42\n' },
    args: ['data', 'build', '--config', '$/build.yaml', '--out', '$/out'],
    exit: 1,
    code: /AQUILA_/,
    message: /build\.yaml/,
  },
  {
    name: 'data build: a source that is missing',
    files: { 'build.yaml': 'sources:\n  - { type: Text-to-sql-v1, path: texttosqlv2.jsonl }\n' },
    args: ['data', 'build', '--config', '$/build.yaml', '--out', '$/out'],
    exit: 1,
    code: 'AQUILA_DATA_INPUT_FILE',
    message: /sources\[0\] \(Text-to-sql-v1\) .*texttosqlv2\.jsonl does not exist/,
  },
  {
    name: 'data build: a source in a layout no adapter reads',
    files: {
      'build.yaml': 'sources:\n  - { type: pg-gpt4SQL-sql-instructions-1k, path: train.csv }\n',
      'train.csv': 'q,schema,query\nhow many?,CREATE TABLE t (a INT),SELECT 1\n',
    },
    args: ['data', 'build', '--config', '$/build.yaml', '--out', '$/out', '--keep-going'],
    exit: 1,
    code: 'AQUILA_DATA_SOURCE_COLUMNS',
    message: /train\.csv: the columns are \["q","schema","query"\], but this source reads columns question, /,
  },
  {
    name: 'data fetch: no hub at the endpoint',
    args: ['data', 'fetch', '--out', '$/raw', '--source', 'sql-create-context', '--endpoint', 'http://127.0.0.1:9'],
    exit: 1,
    code: 'AQUILA_DATA_FETCH',
    message:
      /could not fetch 1 of 1 sources \(sql-create-context: resolving b-mc2\/sql-create-context@main .*127\.0\.0\.1:9/,
  },
  {
    name: 'data fetch: unknown source',
    args: ['data', 'fetch', '--out', '$/raw', '--source', 'no-such-dataset'],
    exit: 2,
    code: 'AQUILA_USAGE',
    message: /unknown source no-such-dataset; known: /,
  },

  // eval
  {
    name: 'eval: missing gold file',
    files: { 'spider/': null },
    args: ['eval', ...spiderArgs('$/missing-gold.sql')],
    exit: 1,
    code: /ENOENT|AQUILA_/,
    message: /missing-gold\.sql/,
  },
  {
    name: 'eval: --html into a missing folder',
    files: { 'spider/': null },
    args: ['eval', ...spiderArgs(), '--html', '$/reports/report.html'],
    exit: 1,
    code: 'AQUILA_OUTPUT_PATH',
    message: /--html .*reports does not exist/,
  },
  {
    name: 'eval: --per-item over the gold file',
    files: { 'spider/': null },
    args: ['eval', ...spiderArgs(), '--per-item', '$/spider/gold.sql'],
    exit: 1,
    code: 'AQUILA_OUTPUT_IS_INPUT',
    message: /--per-item .*gold\.sql is also the input \(--gold/,
  },
  {
    name: 'eval: --per-item into a missing folder',
    files: { 'spider/': null },
    args: ['eval', ...spiderArgs(), '--per-item', '$/gone/items.jsonl'],
    exit: 1,
    code: 'AQUILA_OUTPUT_PATH',
    message: /--per-item .*gone does not exist/,
  },
  {
    name: 'eval: --json is a folder',
    files: { 'spider/': null, 'out/': null },
    args: ['eval', ...spiderArgs(), '--json', '$/out'],
    exit: 1,
    code: 'AQUILA_OUTPUT_PATH',
    message: /is a folder/,
  },
  {
    name: 'eval: gold line without a database',
    files: { 'spider/': null, 'gold.sql': 'SELECT count(*) FROM singer\tsingers\nSELECT name FROM singer\n' },
    args: ['eval', ...spiderArgs('$/gold.sql')],
    exit: 1,
    code: 'AQUILA_BAD_LINE',
    message: /gold\.sql:2: /,
  },
  {
    name: 'eval: tables.json that is not JSON',
    files: { 'spider/': null, 'tables.json': '[{"db_id": "singers", ' },
    args: [
      'eval',
      '--gold',
      '$/spider/gold.sql',
      '--pred',
      '$/spider/pred.sql',
      '--db',
      '$/spider/database',
      '--tables',
      '$/tables.json',
    ],
    exit: 1,
    code: /AQUILA_/,
    message: /tables\.json/,
  },
  {
    name: 'eval: missing database folder',
    files: { 'spider/': null },
    args: [
      'eval',
      '--gold',
      '$/spider/gold.sql',
      '--pred',
      '$/spider/pred.sql',
      '--db',
      '$/no-databases',
      '--tables',
      '$/spider/tables.json',
    ],
    exit: 1,
    code: /ENOENT|AQUILA_/,
    message: /no-databases/,
  },
  {
    name: 'eval: execution without a database folder',
    files: { 'spider/': null },
    args: [
      'eval',
      '--gold',
      '$/spider/gold.sql',
      '--pred',
      '$/spider/pred.sql',
      '--tables',
      '$/spider/tables.json',
      '--etype',
      'exec',
    ],
    exit: 1,
    code: 'AQUILA_SQL_EVALUATION_INPUT',
    message: /etype exec runs the queries and needs --db/,
  },
  {
    name: 'eval: prediction file not UTF-8',
    files: {
      'spider/': null,
      'pred.sql': Buffer.concat([
        Buffer.from('SELECT 1\n'),
        Buffer.from([0xff, 0xfe, 0x0a]),
        Buffer.from('SELECT 2\n'),
      ]),
    },
    args: ['eval', ...spiderArgs('$/spider/gold.sql', '$/pred.sql')],
    exit: 1,
    code: 'AQUILA_BAD_LINE',
    message: /pred\.sql:2: /,
  },
  {
    name: 'eval: zero timeout',
    files: { 'spider/': null },
    args: ['eval', ...spiderArgs(), '--timeout', '0'],
    exit: 2,
    code: 'AQUILA_USAGE',
  },

  // convert / generate / sql / predict / serve / pull
  {
    name: 'convert: missing checkpoint folder',
    args: ['convert', '--model', '$/no-model', '--out', '$/onnx'],
    exit: 1,
    code: /ENOENT|AQUILA_/,
    message: /no-model/,
  },
  {
    name: 'convert: folder without a config',
    files: { 'checkpoint/weights.txt': 'not weights' },
    args: ['convert', '--model', '$/checkpoint', '--out', '$/onnx'],
    exit: 1,
    code: /AQUILA_/,
    message: /checkpoint/,
  },
  {
    name: 'convert: --out is the checkpoint',
    files: { 'checkpoint/config.json': '{}' },
    args: ['convert', '--model', '$/checkpoint', '--out', '$/checkpoint'],
    exit: 1,
    code: /AQUILA_/,
    message: /checkpoint/,
  },
  {
    name: 'convert: unknown precision',
    args: ['convert', '--model', '$/m', '--out', '$/o', '--dtype', 'int3'],
    exit: 2,
    code: 'AQUILA_USAGE',
    message: /use fp32, int8 or int4/,
  },
  {
    name: 'generate: missing model folder',
    args: ['generate', '--model', '$/no-model', '--prompt', 'hi'],
    exit: 1,
    code: /ENOENT|AQUILA_/,
    message: /no-model/,
  },
  {
    name: 'generate: broken input line',
    files: { 'prompts.jsonl': jsonl({ prompt: 'a' }, '{"prompt": 3}') },
    args: ['generate', '--model', '$/no-model', '--input', '$/prompts.jsonl'],
    exit: 1,
    code: 'AQUILA_BAD_LINE',
    message: /prompts\.jsonl:2: /,
  },
  {
    name: 'generate: two prompt sources',
    args: ['generate', '--model', '$/m', '--prompt', 'a', '--prompt-ids', '1,2'],
    exit: 1,
    code: /AQUILA_/,
    message: /exactly one of --prompt/,
  },
  {
    name: 'sql: missing database',
    args: ['sql', '--db', '$/none.sqlite', '--model', '$/m', 'how many?'],
    exit: 1,
    code: /ENOENT|AQUILA_/,
    message: /none\.sqlite/,
  },
  {
    name: 'sql: a text file as database',
    files: { 'notes.sqlite': 'this is not a database\n'.repeat(20) },
    args: ['sql', '--db', '$/notes.sqlite', '--model', '$/m', 'how many?'],
    exit: 1,
    code: /AQUILA_/,
    message: /notes\.sqlite/,
  },
  {
    name: 'predict: missing questions file',
    files: { 'spider/': null },
    args: [
      'predict',
      '--benchmark',
      'spider',
      '--questions',
      '$/dev.json',
      '--tables',
      '$/spider/tables.json',
      '--db',
      '$/spider/database',
      '--model',
      '$/no-model',
      '--out',
      '$/run',
    ],
    exit: 1,
    code: /ENOENT|AQUILA_/,
    message: /dev\.json|no-model/,
  },
  {
    name: 'predict: unknown benchmark',
    args: ['predict', '--benchmark', 'wikisql', '--questions', 'q', '--tables', 't', '--out', 'o'],
    exit: 2,
    code: 'AQUILA_USAGE',
    message: /use spider or cspider/,
  },
  {
    name: 'serve: missing model folder',
    args: ['serve', '--model', '$/no-model', '--port', '0'],
    exit: 1,
    code: /ENOENT|AQUILA_/,
    message: /no-model/,
  },
  {
    name: 'serve: --db without a name',
    args: ['serve', '--model', '$/m', '--db', 'shop.sqlite'],
    exit: 2,
    code: 'AQUILA_USAGE',
    message: /NAME=FILE/,
  },
  {
    name: 'pull: repository without an owner',
    args: ['pull', 'justaname', '--out', '$/model', '--endpoint', 'http://127.0.0.1:9'],
    exit: 1,
    code: /AQUILA_/,
    message: /justaname/,
  },

  // train / demo
  {
    name: 'train: missing config',
    args: ['train', '--config', '$/run.yaml', '--dry-run'],
    exit: 1,
    code: /ENOENT|AQUILA_/,
    message: /run\.yaml/,
  },
  {
    name: 'train: config that is not YAML',
    files: { 'run.yaml': 'name: [\n' },
    args: ['train', '--config', '$/run.yaml', '--dry-run'],
    exit: 1,
    code: /AQUILA_/,
    message: /run\.yaml/,
  },
  {
    name: 'train: config with a wrong type',
    files: { 'run.yaml': 'name: test\nmodel:\n  layers: many\n' },
    args: ['train', '--config', '$/run.yaml', '--dry-run'],
    exit: 1,
    code: /AQUILA_/,
    message: /run\.yaml/,
  },
  {
    name: 'train status: not a run folder',
    files: { 'empty/': null },
    args: ['train', 'status', '$/empty'],
    exit: 1,
    code: /AQUILA_/,
    message: /empty/,
  },
  {
    name: 'train stop: missing folder',
    args: ['train', 'stop', '$/no-run'],
    exit: 1,
    code: /ENOENT|AQUILA_/,
    message: /no-run/,
  },
  {
    name: 'train plot: missing folder',
    args: ['train', 'plot', '$/no-run'],
    exit: 1,
    code: /ENOENT|AQUILA_/,
    message: /no-run/,
  },
  {
    name: "demo: --out holding someone's files",
    files: { 'work/thesis.tex': 'years of work' },
    args: ['demo', '--out', '$/work'],
    exit: 1,
    code: 'AQUILA_OUTPUT_FOLDER_NOT_OWNED',
    message: /thesis\.tex/,
  },
  {
    name: 'demo: --out . in a folder with files',
    files: { 'notes.md': 'mine' },
    args: ['demo', '--out', '.'],
    exit: 1,
    code: 'AQUILA_OUTPUT_FOLDER_NOT_OWNED',
    message: /notes\.md/,
  },
  {
    name: 'demo: --spider without Spider files',
    files: { 'empty/': null },
    args: ['demo', '--spider', '$/empty', '--out', '$/demo'],
    exit: 2,
    code: 'AQUILA_USAGE',
    message: /--spider .*empty has no dev\.json, tables\.json, database/,
  },
  {
    name: 'demo: --model that is not converted',
    files: { 'empty/': null },
    args: ['demo', '--model', '$/empty', '--out', '$/demo'],
    exit: 2,
    code: 'AQUILA_USAGE',
    message: /--model .*empty has no aquila-config\.json/,
  },
  { name: 'demo: zero questions', args: ['demo', '--questions', '0'], exit: 2, code: 'AQUILA_USAGE' },
];

async function snapshot(directory: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const entry of await readdir(directory, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    const key = relative(directory, path);
    if (entry.isDirectory()) files.set(`${key}/`, 'folder');
    else
      files.set(
        key,
        createHash('sha256')
          .update(await readFile(path))
          .digest('hex'),
      );
  }
  return files;
}

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'aquila-bad-inputs-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('bad inputs: every command fails cleanly', () => {
  it.each(cases.map((badCase, index) => [badCase.name, badCase, index] as const))(
    '%s',
    async (_name, badCase, index) => {
      const directory = join(root, `case-${index}`);
      await mkdir(directory);
      for (const [name, content] of Object.entries(badCase.files ?? {})) {
        if (name === 'spider/') await cp(tinySpider, join(directory, 'spider'), { recursive: true });
        else if (content === null) await mkdir(join(directory, name), { recursive: true });
        else {
          await mkdir(join(directory, name, '..'), { recursive: true });
          await writeFile(join(directory, name), content);
        }
      }
      const before = await snapshot(directory);
      const args = badCase.args.map((arg) => arg.replaceAll('$', directory));
      const result = await runBuiltCli({
        args,
        cwd: directory,
        timeoutMs: 90_000,
        ...(badCase.input === undefined ? {} : { input: badCase.input }),
      });
      expect(result.timedOut, 'the command hung').toBe(false);
      const lines = result.stderr.split('\n').filter((line) => line !== '');
      expect(lines, `stderr:\n${result.stderr}`).toHaveLength(1);
      const line = lines[0] ?? '';
      expect(line).toMatch(/^aquila( [a-z]+)*: .+ \[[A-Za-z0-9_]+\]$/);
      expect(line).not.toMatch(/\n\s+at |node:internal|file:\/\//);
      const code = /\[([A-Za-z0-9_]+)\]$/.exec(line)?.[1] ?? '';
      if (typeof badCase.code === 'string') expect(code).toBe(badCase.code);
      else expect(code).toMatch(badCase.code);
      if (badCase.message !== undefined) expect(line).toMatch(badCase.message);
      expect(result.status, line).toBe(badCase.exit);
      expect(await snapshot(directory), 'files changed, appeared or vanished').toEqual(before);
    },
  );

  it('adds the stack with --debug, and only then', async () => {
    const result = await runBuiltCli({ args: ['data', 'inspect', join(root, 'nothing'), '--debug'], cwd: root });
    expect(result.status).toBe(1);
    expect(result.stderr.split('\n')[0]).toMatch(/^aquila data inspect: .+\[[A-Z_]+\]$/);
    expect(result.stderr).toMatch(/\n\s+at /);
    const viaEnvironment = await runBuiltCli({
      args: ['data', 'inspect', join(root, 'nothing')],
      cwd: root,
      environment: { AQUILA_DEBUG: '1' },
    });
    expect(viaEnvironment.stderr).toMatch(/\n\s+at /);
  });
});

describe('outputs: complete or absent, inputs never lost', () => {
  it('a closed stdout ends the command quietly with status 0 (aquila … | head)', async () => {
    const directory = join(root, 'pipe');
    await mkdir(directory);
    await writeFile(
      join(directory, 'in.jsonl'),
      jsonl(...Array.from({ length: 20_000 }, (_, index) => ({ text: `select name from singer where id = ${index}` }))),
    );
    const { spawn } = await import('node:child_process');
    const { builtCli } = await import('../src/test-support/run-built-cli.js');
    const child = spawn(
      'bash',
      [
        '-c',
        `"${process.execPath}" "${builtCli}" tokenize --threads 1 --input in.jsonl | head -c 100 > /dev/null; echo "status \${PIPESTATUS[0]}"`,
      ],
      { cwd: directory },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    await new Promise((resolve) => child.on('close', resolve));
    clearTimeout(timer);
    expect(stdout.trim()).toBe('status 0');
    expect(stderr).not.toMatch(/EPIPE|Error|at /);
  });

  it.each([
    ['tokenize', ['tokenize', '--threads', '1', '--input', 'in.jsonl', '--output', 'out.jsonl']],
    ['data pack', ['data', 'pack', '--input', 'in.jsonl', '--output-prefix', 'packed']],
  ])('Ctrl-C while %s writes leaves no file under the final name and no temporary file', async (command, args) => {
    const directory = join(root, `interrupt-${command.replace(' ', '-')}`);
    await mkdir(directory);
    await writeFile(
      join(directory, 'in.jsonl'),
      Array.from(
        { length: 200_000 },
        (_, index) => `{"text":"select name , country from singer where singer_id = ${index} order by age desc"}\n`,
      ).join(''),
    );
    const { spawn } = await import('node:child_process');
    const { builtCli } = await import('../src/test-support/run-built-cli.js');
    const child = spawn(process.execPath, [builtCli, ...args], { cwd: directory, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const closed = new Promise<number | null>((resolve) => child.on('close', (status) => resolve(status)));
    const deadline = Date.now() + 60_000;
    // Wait until the temporary output exists, so the interrupt lands mid-write.
    while (Date.now() < deadline && !(await readdir(directory)).some((name) => name.endsWith('.partial')))
      await new Promise((resolve) => setTimeout(resolve, 20));
    child.kill('SIGINT');
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const status = await closed;
    clearTimeout(timer);
    expect(status).toBe(130);
    expect(stderr.trim().split('\n').at(-1)).toBe(`aquila ${command}: cancelled by SIGINT [AQUILA_CANCELLED]`);
    expect(await readdir(directory)).toEqual(['in.jsonl']);
    expect((await stat(join(directory, 'in.jsonl'))).size).toBeGreaterThan(1_000_000);
  });
});
