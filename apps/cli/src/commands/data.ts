import { basename, join } from 'node:path';
import type { BuildReport, PackConvention } from '@aquila/data';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { addSkipBadLinesFlag, reportSkippedLines } from '../bad-lines-flag.js';
import { integerFlag } from '../integer-flag.js';
import type { CommandContext } from '../program.js';
import { createProgress } from '../progress.js';
import { openTokenizer } from './tokenize.js';

async function build(
  context: CommandContext,
  options: { config: string; out: string; skipBadLines?: boolean; keepGoing?: boolean },
): Promise<void> {
  const { buildDataset, formatBuildReportTable } = await import('@aquila/data');
  const { BadLinePolicy } = await import('@aquila/files');
  const badLines = new BadLinePolicy({ skip: options.skipBadLines === true });
  const progress = createProgress({ label: 'build', stream: context.stderr, unit: 'records' });
  let checked: BuildReport | undefined;
  let report: BuildReport;
  try {
    report = await buildDataset({
      config: options.config,
      outDirectory: options.out,
      badLines,
      keepGoing: options.keepGoing === true,
      onSourcesChecked: (sources) => (checked = sources),
      onProgress: (event) => progress.update(event.read),
    });
  } catch (error) {
    // A source that cannot be read stops the build before anything is written (without --keep-going, or when none
    // is left): the table says which, and why.
    const failed = checked?.sources.filter((source) => source.failure !== undefined) ?? [];
    if (
      checked !== undefined &&
      failed.length > 0 &&
      (options.keepGoing !== true || failed.length === checked.sources.length)
    ) {
      context.stdout.write(formatBuildReportTable(checked));
      const advice =
        options.keepGoing === true
          ? 'no source is left to build'
          : 'fix them, or pass --keep-going to build the others';
      context.stdout.write(
        `nothing was written: ${failed.length} of ${checked.sources.length} sources cannot be read (${failed.map((source) => source.name).join(', ')}); ${advice}\n`,
      );
    }
    throw error;
  }
  progress.finish();
  reportSkippedLines(badLines, context);
  context.stdout.write(formatBuildReportTable(report));
  const failed = report.sources.filter((source) => source.failure !== undefined);
  if (failed.length > 0)
    context.stdout.write(`not built (--keep-going): ${failed.map((source) => source.name).join(', ')}\n`);
  context.stdout.write(
    `wrote ${options.out}: report.json, report.html${Object.keys(report.outputs).length > 0 ? `, ${Object.keys(report.outputs).join(', ')}` : ''}\n`,
  );
}

/**
 * The ids of a document, if the tokenizer can be the one they were packed with: Megatron picks the dtype from
 * the vocabulary size (uint16 below 65,500 ids), and no id may be past the vocabulary; otherwise decoding
 * would print another tokenizer's text.
 */
function checkVocabulary(
  ids: number[],
  dtype: string,
  vocabSize: number,
  tokenizer: string,
  optimalDtype: (size: number) => string,
): number[] {
  const largest = ids.reduce((maximum, id) => Math.max(maximum, id), 0);
  const fix = 'give the tokenizer it was packed with (--tokenizer)';
  if (largest >= vocabSize)
    throw new InvalidArgumentError(
      `the document holds id ${largest}, past the ${vocabSize} ids of --tokenizer ${tokenizer}: ${fix}`,
    );
  const expected = optimalDtype(vocabSize);
  if ((dtype === 'uint16' || dtype === 'int32') && dtype !== expected) {
    throw new InvalidArgumentError(
      `the dataset stores ${dtype} ids, but a tokenizer of ${vocabSize} ids would have been packed as ${expected} (--tokenizer ${tokenizer}): ${fix}`,
    );
  }
  return ids;
}

/** `aquila data build|pack|inspect|fetch`: flags over @aquila/data. */
export function registerDataCommand(program: Command, context: CommandContext): void {
  const data = program
    .command('data')
    .description('open text-to-SQL datasets in; pretraining text, SFT records and Megatron .bin/.idx out');

  addSkipBadLinesFlag(
    data
      .command('build')
      .description(
        'read, clean, deduplicate and validate the sources a YAML config names, and write the outputs and a report',
      )
      .requiredOption('--config <file>', 'YAML build config (sources, filters, outputs, tokenizer)')
      .requiredOption('--out <dir>', 'output folder')
      .option(
        '--keep-going',
        'build the other sources when one is missing or in a layout no adapter reads (it is reported in the table); without it nothing is written',
      ),
  ).action((options: { config: string; out: string; skipBadLines?: boolean; keepGoing?: boolean }) =>
    build(context, options),
  );

  const pack = data
    .command('pack')
    .description('tokenize a JSONL file into Megatron MMIDIDX <prefix>_<key>_document.bin/.idx')
    .option(
      '--tokenizer <path>',
      'tokenizer.json or a vocab.json + merges.txt folder; "aquila" for the built-in Aquila tokenizer',
      'aquila',
    )
    .requiredOption('--input <file>', 'JSONL, one document per line')
    .requiredOption('--output-prefix <prefix>', 'output prefix (files are <prefix>_<key>_document.bin/.idx)')
    .option('--json-key <key>', 'the field holding the text', 'text')
    .option('--bos', 'put BOS ([CLS]) before every document')
    .option('--eod', 'put EOD (</s>) after every document')
    .addOption(
      new Option(
        '--convention <name>',
        'framing when neither --bos nor --eod is given: flagai [CLS] … </s>, flagscale … </s>, none',
      )
        .choices(['flagai', 'flagscale', 'none'])
        .default('flagai'),
    );
  addSkipBadLinesFlag(pack).action(
    async (options: {
      tokenizer: string;
      input: string;
      outputPrefix: string;
      jsonKey: string;
      bos?: boolean;
      eod?: boolean;
      convention: PackConvention;
      skipBadLines?: boolean;
    }) => {
      const { packJsonl } = await import('@aquila/data');
      const { BadLinePolicy } = await import('@aquila/files');
      const badLines = new BadLinePolicy({ skip: options.skipBadLines === true });
      const tokenizer = await openTokenizer(options.tokenizer);
      const explicit = options.bos === true || options.eod === true;
      const framing = explicit
        ? { convention: 'none' as const, bos: options.bos === true, eod: options.eod === true }
        : { convention: options.convention };
      const progress = createProgress({ label: 'pack', stream: context.stderr, unit: 'documents' });
      try {
        const summary = await packJsonl({
          tokenizer,
          input: options.input,
          outputPrefix: options.outputPrefix,
          jsonKey: options.jsonKey,
          ...framing,
          badLines,
          onProgress: ({ documents }) => progress.update(documents),
        });
        progress.finish();
        context.stdout.write(
          `wrote ${summary.binPath} and ${summary.idxPath}: ${summary.documents} documents, ${summary.tokens} tokens, ${summary.dtype}\n`,
        );
        reportSkippedLines(badLines, context);
      } finally {
        await tokenizer.close();
      }
    },
  );

  data
    .command('inspect')
    .description('counts of a .bin/.idx pair, and one document decoded back to text')
    .argument('<prefix>', 'the prefix of <prefix>.bin and <prefix>.idx')
    .option('--document <n>', 'the document to show', integerFlag('document', 0), 0)
    .option('--tokenizer <path>', 'tokenizer to decode with; "aquila" for the built-in one', 'aquila')
    .action(async (prefix: string, options: { document: number; tokenizer: string }) => {
      const { openIndexedDataset, optimalDtype } = await import('@aquila/formats');
      const dataset = await openIndexedDataset({ prefix });
      try {
        context.stdout.write(
          `${prefix}: ${dataset.dtype}, ${dataset.documentCount} documents, ${dataset.sequenceCount} sequences, ${dataset.tokenCount} tokens\n`,
        );
        if (dataset.documentCount === 0) return;
        if (options.document >= dataset.documentCount) {
          throw new InvalidArgumentError(
            `--document ${options.document} is past the end: the dataset has ${dataset.documentCount} documents, 0 to ${dataset.documentCount - 1}`,
          );
        }
        const ids = Array.from(await dataset.readDocument(options.document));
        context.stdout.write(
          `document ${options.document}: ${ids.length} tokens ${JSON.stringify(ids.slice(0, 16))}${ids.length > 16 ? '…' : ''}\n`,
        );
        const tokenizer = await openTokenizer(options.tokenizer);
        try {
          context.stdout.write(
            `${tokenizer.decode(checkVocabulary(ids, dataset.dtype, tokenizer.vocabSize, options.tokenizer, optimalDtype))}\n`,
          );
        } finally {
          await tokenizer.close();
        }
      } finally {
        await dataset.close();
      }
    });

  // --source's help lists the names from @aquila/data, loaded once `data fetch` is dispatched (to run, or `data fetch --help`;
  // `data help fetch` bypasses the hook and shows the short text).
  const sourceOption = new Option('--source <name...>', 'sources to fetch (default all)');
  const fetch = data
    .command('fetch')
    .description(
      "download the sources' files as the dataset hub lists them (resumable, checksummed; the parquet conversion where a source's own files are missing or unreadable) and record them in <out>/fetch-manifest.json",
    )
    .requiredOption('--out <dir>', 'folder to download into (one subfolder per source)')
    .addOption(sourceOption)
    .option('--revision <rev>', 'dataset revision', 'main')
    .option('--endpoint <url>', 'hub endpoint', 'https://huggingface.co')
    .action(async (options: { out: string; source?: string[]; revision: string; endpoint: string }) => {
      const { fetchSources, sourceAdapters } = await import('@aquila/data');
      const unknown = (options.source ?? []).filter((name) => !sourceAdapters.some((adapter) => adapter.name === name));
      if (unknown.length > 0)
        throw new InvalidArgumentError(
          `unknown source ${unknown.join(', ')}; known: ${sourceAdapters.map((adapter) => adapter.name).join(', ')}`,
        );
      let label = '';
      let progress = createProgress({ label: 'fetch', stream: context.stderr, unit: 'bytes' });
      const result = await fetchSources({
        directory: options.out,
        ...(options.source === undefined ? {} : { sources: options.source }),
        revision: options.revision,
        endpoint: options.endpoint,
        ...(process.env.HF_TOKEN === undefined ? {} : { token: process.env.HF_TOKEN }),
        onProgress: ({ source, file, downloadedBytes, totalBytes }) => {
          const name = `${source}/${basename(file)}`;
          if (name !== label) {
            label = name;
            progress = createProgress({ label: name, stream: context.stderr, unit: 'bytes' });
          }
          progress.update(downloadedBytes, totalBytes);
        },
      });
      for (const source of result.sources) {
        context.stderr.write(
          `${source.name}: ${source.repository}@${source.branch} (commit ${source.commit})${source.fallback === undefined ? '' : `, the parquet conversion: ${source.fallback}`}\n`,
        );
        for (const file of source.files)
          context.stdout.write(
            `${file.status} ${join(options.out, file.localPath)} ${file.bytes} bytes sha256 ${file.sha256}\n`,
          );
      }
      context.stderr.write(`recorded in ${result.manifest}\n`);
    });
  data.hook('preSubcommand', async (_data, subcommand) => {
    if (subcommand !== fetch) return;
    const { sourceAdapters } = await import('@aquila/data');
    sourceOption.description = `sources to fetch (default all): ${sourceAdapters.map((adapter) => adapter.name).join(', ')}`;
  });
}
