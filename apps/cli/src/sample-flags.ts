import type { SqlGenerationSettings, SqlRepairOptions } from '@aquila/text-to-sql';
import type { Command } from 'commander';
import * as v from 'valibot';
import { choiceFlag, numberFlag } from './flag-parser.js';
import { integerFlag } from './integer-flag.js';
import { generationSettings, type ModelFlags } from './model-flags.js';

/** The flags of several candidates voted by execution, and of repair rounds (`aquila sql`, `aquila predict`). */
export interface SampleFlags extends ModelFlags {
  samples?: number;
  voteEquality?: 'spider' | 'bird' | 'exact';
  repair?: number;
  repairBudget?: number;
}

export function addSampleFlags(command: Command): Command {
  return command
    .option(
      '--samples <n>',
      'candidates sampled per question (seeds seed + i), run on the database and voted by result (default 1; over 1 the default preset is sampled)',
      numberFlag('give a whole number of samples from 1 to 64.', v.integer(), v.minValue(1), v.maxValue(64)),
    )
    .option(
      '--vote-equality <rule>',
      "when two candidates' results are the same answer: spider (rows in any order), bird (sets of rows), exact (default spider; predict --benchmark bird: bird)",
      choiceFlag(['spider', 'bird', 'exact'], 'use spider, bird or exact.'),
    )
    .option(
      '--repair <rounds>',
      "repair rounds when the answer's SQL fails: the SQLite error and the SQL go back to the model (0-16)",
      numberFlag('give a whole number of rounds from 0 to 16.', v.integer(), v.minValue(0), v.maxValue(16)),
    )
    .option('--repair-budget <ms>', 'milliseconds all repair rounds of a question may take', integerFlag('budget', 1));
}

/**
 * The generation settings and vote options the flags ask for, checked together before anything loads: more than
 * one sample needs a temperature above 0 (the sampled preset is the default then), a repair budget needs rounds.
 */
export async function sampleOptions(
  command: Command,
  flags: SampleFlags,
): Promise<{ generation: SqlGenerationSettings; samples: number; repair?: SqlRepairOptions; preset: string }> {
  const samples = flags.samples ?? 1;
  const preset = samples > 1 && command.getOptionValueSource('preset') === 'default' ? 'sampled' : flags.preset;
  const generation = await generationSettings({ ...flags, preset });
  if (samples > 1 && !((generation.temperature ?? 0) > 0))
    command.error(
      `error: --samples ${samples} with temperature ${generation.temperature ?? 0} (--preset ${preset}) gives ${samples} equal candidates; add --temperature 0.8, or use --preset sampled`,
    );
  if (flags.repairBudget !== undefined && flags.repair === undefined)
    command.error('error: --repair-budget bounds repair rounds; add --repair ROUNDS');
  if (flags.voteEquality !== undefined && samples === 1)
    command.error('error: --vote-equality compares candidates; add --samples N (N > 1)');
  const repair =
    flags.repair === undefined || flags.repair === 0
      ? undefined
      : { rounds: flags.repair, ...(flags.repairBudget === undefined ? {} : { timeBudgetMs: flags.repairBudget }) };
  return { generation, samples, preset, ...(repair === undefined ? {} : { repair }) };
}
