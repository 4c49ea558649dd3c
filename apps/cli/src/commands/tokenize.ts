import { once } from 'node:events';
import type { LabelledPath } from '@aquila/files';
import type { Tokenizer } from '@aquila/tokenizer';
import type { Command } from 'commander';
import { addSkipBadLinesFlag, reportSkippedLines } from '../bad-lines-flag.js';
import { integerFlag } from '../integer-flag.js';
import type { CommandContext } from '../program.js';
import { createProgress } from '../progress.js';

interface TokenizeOptions {
  tokenizer: string;
  input: string;
  output: string;
  field: string;
  decode?: boolean;
  text?: string;
  addSpecialTokens?: boolean;
  parseSpecial: boolean;
  skipSpecial?: boolean;
  skipBadLines?: boolean;
  threads?: number;
}

/** `aquila` (the default) is the Aquila tokenizer shipped in @aquila/tokenizer; anything else is a path. */
export async function openTokenizer(path: string): Promise<Tokenizer> {
  const { loadAquilaTokenizer, loadTokenizer } = await import('@aquila/tokenizer');
  return path === 'aquila' ? loadAquilaTokenizer() : loadTokenizer({ path });
}

/** The tokenizer paths a command reads, as inputs that no output may overwrite. */
function tokenizerInputs(path: string): LabelledPath[] {
  return path === 'aquila' ? [] : [{ path, label: '--tokenizer' }];
}

/** Writes to stdout, waiting when it is full (`once` rejects if the stream fails, e.g. a closed pipe). */
function stdoutWriter(stream: NodeJS.WritableStream): (text: string) => Promise<void> {
  return async (text) => {
    if (!stream.write(text)) await once(stream, 'drain');
  };
}

/**
 * `aquila tokenize --tokenizer PATH [--input FILE|-] [--field text] [--output FILE|-]`: JSONL text records
 * to `{"ids":[…]}` lines; `--decode` the reverse; `--text "…"` prints the ids and pieces of one text.
 */
export function registerTokenizeCommand(program: Command, context: CommandContext): void {
  const command = program
    .command('tokenize')
    .description(
      'encode JSONL text records to token ids (or decode them back) with a BPE tokenizer (Aquila, or a tokenizer.json of the GPT-2, Qwen2, Llama-2/3 or Mistral families)',
    )
    .option(
      '--tokenizer <path>',
      'tokenizer.json, or a folder with tokenizer.json or vocab.json + merges.txt; "aquila" for the built-in Aquila tokenizer',
      'aquila',
    )
    .option('--input <file>', 'JSONL input, "-" for stdin', '-')
    .option('--output <file>', 'JSONL output, "-" for stdout (a file appears only when complete)', '-')
    .option('--field <name>', 'the field holding the text (encode reads it, decode writes it)', 'text')
    .option('--decode', 'read {"ids":[…]} lines and write {"<field>":"…"} lines')
    .option('--text <text>', 'tokenize one text and print its ids and pieces')
    .option(
      '--add-special-tokens',
      "add what the tokenizer.json's post-processor adds, as Hugging Face encode(text, add_special_tokens=True) (Llama-2: <s> before); for Aquila, BOS before and EOS after (FlagAI encode_plus)",
    )
    .option('--no-parse-special', 'keep special-token strings such as </s> as plain text (untrusted input)')
    .option('--skip-special', 'when decoding, leave special tokens out')
    .option('--threads <n>', 'worker threads for encoding (default: the number of cores)', integerFlag('threads', 1));
  addSkipBadLinesFlag(command).action(async (options: TokenizeOptions) => {
    const { BadLinePolicy, checkOutputPaths, openAtomicWriteStream, readTextLines } = await import('@aquila/files');
    const toFile = options.output !== '-';
    if (options.text === undefined && toFile) {
      const inputs = [
        ...(options.input === '-' ? [] : [{ path: options.input, label: '--input' }]),
        ...tokenizerInputs(options.tokenizer),
      ];
      await checkOutputPaths({ outputs: [{ path: options.output, label: '--output' }], inputs });
    }
    const tokenizer = await openTokenizer(options.tokenizer);
    try {
      const encodeOptions = {
        addSpecialTokens: options.addSpecialTokens === true,
        parseSpecialTokens: options.parseSpecial,
      };
      if (options.text !== undefined) {
        const ids = tokenizer.encode(options.text, encodeOptions);
        context.stdout.write(`${ids.length} tokens: ${JSON.stringify(ids)}\n`);
        for (const id of ids)
          context.stdout.write(
            `${id}\t${JSON.stringify(tokenizer.idToToken(id))}\t${JSON.stringify(tokenizer.decode([id]))}\n`,
          );
        return;
      }
      const { decodeJsonLines, encodeJsonLines } = await import('@aquila/tokenizer');
      const badLines = new BadLinePolicy({ skip: options.skipBadLines === true });
      const source = options.input === '-' ? 'stdin' : options.input;
      const lines = readTextLines({ input: options.input === '-' ? process.stdin : options.input, source, badLines });
      const output = toFile ? await openAtomicWriteStream({ path: options.output }) : undefined;
      try {
        const progress = createProgress({
          label: options.decode === true ? 'decode' : 'tokenize',
          stream: context.stderr,
          unit: 'lines',
        });
        const onProgress = ({ lines: done }: { lines: number }): void => progress.update(done);
        const records =
          options.decode === true
            ? decodeJsonLines({
                tokenizer,
                lines,
                field: options.field,
                source,
                skipSpecialTokens: options.skipSpecial === true,
                badLines,
                onProgress,
              })
            : encodeJsonLines({
                tokenizer,
                lines,
                field: options.field,
                source,
                threads: options.threads,
                badLines,
                onProgress,
                ...encodeOptions,
              });
        const write = output === undefined ? stdoutWriter(context.stdout) : (text: string) => output.write(text);
        for await (const record of records) await write(`${record}\n`);
        await output?.commit();
        progress.finish();
        reportSkippedLines(badLines, context);
      } catch (error) {
        await output?.abort();
        throw error;
      }
    } finally {
      await tokenizer.close();
    }
  });
}
