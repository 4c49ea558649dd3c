import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@aquila/files';
import {
  createIndexedDatasetWriter,
  createSftIndexedDatasetWriter,
  type IndexedDatasetWriter,
  type SftIndexedDatasetWriter,
} from '@aquila/formats';
import { tokenizeAquilaConversation } from '@aquila/prompts';
import { documentFramingIds, type PackTokenizer } from '../pack/pack-tokenizer.js';
import { flagAiSftRecord, renderPretrainingText, renderPromptAndAnswer } from '../render/render-record.js';
import type { DatasetRecord } from '../sources/dataset-record.js';
import type { BuildConfig } from './build-config.js';
import { type BuildReport, lengthBucket, renderBuildReportHtml } from './build-report.js';
import { createJsonlWriter, type JsonlWriter } from './jsonl-writer.js';

/** The JSONL outputs and their file names. */
export const jsonlOutputs = {
  records: 'records.jsonl',
  pretrainingText: 'pretrain.jsonl',
  sft: 'sft.jsonl',
  trl: 'trl.jsonl',
} as const;

type JsonlOutput = keyof typeof jsonlOutputs;

export interface BuildOutputsOptions {
  directory: string;
  outputs: NonNullable<BuildConfig['outputs']>;
  /** For the Megatron outputs and token lengths; without it, lengths are in characters. */
  tokenizer: PackTokenizer | undefined;
  /** Counts what is written (lengths, SFT skips, output paths); written itself last. */
  report: BuildReport;
  signal?: AbortSignal;
}

/**
 * The files of one build: each kept record is written to every output asked for, and at the end they are all
 * committed, the report last; `discard` removes every one, committed or not, so a build leaves all or none.
 */
export class BuildOutputs {
  private readonly writers: Partial<Record<JsonlOutput, JsonlWriter>> = {};
  private megatron: IndexedDatasetWriter | undefined;
  private sftMegatron: SftIndexedDatasetWriter | undefined;
  private readonly committed: string[] = [];

  constructor(private readonly options: BuildOutputsOptions) {}

  async open(): Promise<void> {
    const { outputs, tokenizer, signal } = this.options;
    for (const name of Object.keys(jsonlOutputs) as JsonlOutput[]) {
      if (outputs[name] !== false) this.writers[name] = await createJsonlWriter(this.path(jsonlOutputs[name]));
    }
    if (outputs.megatron !== undefined) {
      this.megatron = await createIndexedDatasetWriter({
        prefix: this.path(`${outputs.megatron.prefix ?? 'pretrain'}_text_document`),
        vocabularySize: tokenizer!.vocabSize,
        ...documentFramingIds(tokenizer!, { convention: outputs.megatron.convention ?? 'flagscale' }),
        signal,
      });
    }
    if (outputs.sftMegatron !== undefined) {
      this.sftMegatron = await createSftIndexedDatasetWriter({
        prefix: this.path(outputs.sftMegatron.prefix ?? 'sft'),
        vocabularySize: tokenizer!.vocabSize,
        signal,
      });
    }
  }

  async write(record: DatasetRecord): Promise<void> {
    const { outputs, tokenizer, report } = this.options;
    await this.writers.records?.write(record);
    const text = renderPretrainingText(record);
    await this.writers.pretrainingText?.write({ text });
    let length = text.length;
    if (tokenizer !== undefined) {
      const ids = tokenizer.encode(text, { addSpecialTokens: false });
      length = ids.length;
      await this.megatron?.addDocument(ids);
    }
    report.lengths.counts[lengthBucket(length)]!++;
    const turn = renderPromptAndAnswer(record, { wikiSqlAnswer: outputs.wikiSqlAnswer });
    if (turn === undefined) {
      report.sftSkipped++;
      return;
    }
    const sft = flagAiSftRecord(record, turn);
    await this.writers.sft?.write(sft);
    await this.writers.trl?.write({ prompt: turn.prompt, completion: turn.answer });
    if (this.sftMegatron !== undefined) {
      const maxLength = outputs.sftMegatron?.maxLength;
      await this.sftMegatron.addDocument(
        tokenizeAquilaConversation({
          tokenizer: tokenizer!,
          conversations: sft.conversations,
          ...(maxLength === undefined ? {} : { maxLength }),
        }),
      );
    }
  }

  /** Commits the record outputs, naming each in the report. */
  async finish(): Promise<void> {
    const { report } = this.options;
    for (const [name, writer] of Object.entries(this.writers) as [JsonlOutput, JsonlWriter][]) {
      await writer.finish();
      report.outputs[name] = this.path(jsonlOutputs[name]);
      this.committed.push(report.outputs[name]);
    }
    if (this.megatron !== undefined) {
      report.outputs.megatron = await this.megatron.finish();
      this.committed.push(report.outputs.megatron.binPath, report.outputs.megatron.idxPath);
    }
    if (this.sftMegatron !== undefined) {
      report.outputs.sftMegatron = await this.sftMegatron.finish();
      for (const pair of Object.values(report.outputs.sftMegatron)) this.committed.push(pair.binPath, pair.idxPath);
    }
  }

  /** Writes `report.json` and `report.html`, after {@link finish}. */
  async writeReport(): Promise<void> {
    const { report } = this.options;
    for (const [name, data] of [
      ['report.json', `${JSON.stringify(report, null, 2)}\n`],
      ['report.html', renderBuildReportHtml(report)],
    ] as const) {
      await writeFileAtomic({ path: this.path(name), data });
      this.committed.push(this.path(name));
    }
  }

  /** Aborts what is still open and removes what was committed. */
  async discard(): Promise<void> {
    await Promise.all([
      ...Object.values(this.writers).map((writer) => writer.abort()),
      this.megatron?.abort(),
      this.sftMegatron?.abort(),
    ]);
    await Promise.all(this.committed.map((file) => rm(file, { force: true })));
  }

  private path(name: string): string {
    return join(this.options.directory, name);
  }
}
