// The run record (run.json) of a prediction run folder: the settings a run was made with, to refuse mixing runs,
// and its sessions (each invocation that generated something), so that timings add up over resumed runs.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { VoteEquality } from '@aquila/sql-metrics';
import { BenchmarkInputError } from '../errors.js';

/** What must stay the same for a run folder to be continued. */
export interface RunSettings {
  benchmark: string;
  model: { kind: 'local'; path: string } | { kind: 'endpoint'; endpoint: string; modelName: string };
  /** A named template, or a custom one with the file it came from. */
  template: string | { file: string | null; text: string };
  preset: string | null;
  generation: object;
  /** How the answers were chosen: candidates voted by execution, and repair rounds; null for one answer each. */
  vote: {
    by: 'exec';
    samples: number;
    equality: VoteEquality;
    repair: { rounds: number; timeBudgetMs: number | null } | null;
  } | null;
  inputs: { questions: string; tables: string; databases?: string };
}

/** One invocation of predictBenchmark on the folder that generated items. */
export interface RunSession {
  started_at: string;
  finished_at: string | null;
  elapsed_seconds: number | null;
  generated: number | null;
  /** `killed`: it was running when its process died (no timings known). */
  outcome: 'running' | 'finished' | 'stopped' | 'killed';
}

export type RunStatus = 'running' | 'stopped' | 'finished';

/** run.json as read back: the settings, and whatever else an earlier version or run wrote. */
export type RunRecord = Partial<RunSettings> & {
  status?: RunStatus;
  sessions?: RunSession[];
  [field: string]: unknown;
};

/** The earlier run record of a folder, or undefined when there is none. */
export async function readRunRecord(path: string): Promise<RunRecord | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new BenchmarkInputError(`cannot read the earlier run record ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  try {
    const record = JSON.parse(text) as unknown;
    if (typeof record === 'object' && record !== null && !Array.isArray(record)) return record as RunRecord;
  } catch {
    // Reported below.
  }
  throw new BenchmarkInputError(
    `${path} is not a run record (a JSON object); pass --restart to discard the earlier run in that folder, or use a new --out folder.`,
  );
}

/** JSON with object keys sorted, so that equal settings compare equal whatever order they were built in. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_, item: unknown) =>
    typeof item === 'object' && item !== null && !Array.isArray(item)
      ? Object.fromEntries(
          Object.entries(item as Record<string, unknown>).sort(([left], [right]) => left.localeCompare(right)),
        )
      : item,
  );
}

const modelText = (model: RunSettings['model'] | undefined): string =>
  model === undefined
    ? 'unknown'
    : model.kind === 'local'
      ? resolve(model.path)
      : `${model.modelName} at ${model.endpoint}`;
const templateText = (template: RunSettings['template'] | undefined): string =>
  template === undefined
    ? 'unknown'
    : typeof template === 'string'
      ? template
      : `custom${template.file === null ? '' : ` (${template.file})`}`;
const templateKey = (template: RunSettings['template'] | undefined): string | undefined =>
  template === undefined || typeof template === 'string' ? template : `text:${template.text}`;
const shown = (value: unknown): string => (value === undefined ? 'unset' : JSON.stringify(value));

/** The settings of `earlier` that differ from `current`, each as `name before → after`; empty when they match. */
export function settingsDifferences(earlier: RunRecord, current: RunSettings): string[] {
  const differences: string[] = [];
  if (earlier.benchmark !== undefined && earlier.benchmark !== current.benchmark)
    differences.push(`benchmark ${earlier.benchmark} → ${current.benchmark}`);
  if (earlier.model !== undefined && modelText(earlier.model) !== modelText(current.model))
    differences.push(`model ${modelText(earlier.model)} → ${modelText(current.model)}`);
  if (earlier.template !== undefined && templateKey(earlier.template) !== templateKey(current.template)) {
    const before = templateText(earlier.template);
    const after = templateText(current.template);
    differences.push(before === after ? 'the template text' : `template ${before} → ${after}`);
  }
  if (earlier.generation !== undefined && canonical(earlier.generation) !== canonical(current.generation)) {
    if (typeof earlier.preset === 'string' && current.preset !== null && earlier.preset !== current.preset)
      differences.push(`preset ${earlier.preset} → ${current.preset}`);
    else {
      const before = earlier.generation as Record<string, unknown>;
      const after = current.generation as Record<string, unknown>;
      const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter(
        (key) => canonical(before[key]) !== canonical(after[key]),
      );
      differences.push(
        `generation ${keys
          .slice(0, 3)
          .map((key) => `${key} ${shown(before[key])} → ${shown(after[key])}`)
          .join(', ')}${keys.length > 3 ? ', …' : ''}`,
      );
    }
  }
  // A record from before votes were kept made one answer per question.
  const earlierVote = earlier.vote ?? null;
  if (canonical(earlierVote) !== canonical(current.vote)) {
    const text = (vote: RunSettings['vote']): string =>
      vote === null
        ? 'none'
        : `${vote.samples} samples by ${vote.by} (${vote.equality})${vote.repair === null ? '' : `, repair ${vote.repair.rounds}${vote.repair.timeBudgetMs === null ? '' : ` within ${vote.repair.timeBudgetMs} ms`}`}`;
    differences.push(`vote ${text(earlierVote)} → ${text(current.vote)}`);
  }
  for (const input of ['questions', 'tables'] as const) {
    const before = earlier.inputs?.[input];
    if (before !== undefined && resolve(before) !== resolve(current.inputs[input]))
      differences.push(`--${input} ${before} → ${current.inputs[input]}`);
  }
  return differences;
}

/** Earlier sessions, as the next run sees them: one still `running` belongs to a process that died. */
export function earlierSessions(record: RunRecord | undefined): RunSession[] {
  if (record === undefined) return [];
  if (Array.isArray(record.sessions))
    return record.sessions.map((session) =>
      session.outcome === 'running' ? { ...session, outcome: 'killed' } : session,
    );
  // A record from before sessions were kept: its timings are one finished session.
  const generated = (record.counts as { generated?: unknown } | undefined)?.generated;
  if (typeof record.started_at !== 'string' || typeof record.elapsed_seconds !== 'number') return [];
  return [
    {
      started_at: record.started_at,
      finished_at: typeof record.finished_at === 'string' ? record.finished_at : null,
      elapsed_seconds: record.elapsed_seconds,
      generated: typeof generated === 'number' ? generated : null,
      outcome: 'finished',
    },
  ];
}

/** The record's timings over all sessions: the first start, the last finish, the time spent generating and the rate. */
export function runTimings(
  sessions: readonly RunSession[],
  status: RunStatus,
): { started_at: string | null; finished_at: string | null; elapsed_seconds: number; items_per_second: number } {
  const timed = sessions.filter((session) => session.elapsed_seconds !== null && session.generated !== null);
  const elapsed = timed.reduce((sum, session) => sum + (session.elapsed_seconds as number), 0);
  const generated = timed.reduce((sum, session) => sum + (session.generated as number), 0);
  const finished = sessions.filter((session) => session.outcome === 'finished').at(-1)?.finished_at ?? null;
  return {
    started_at: sessions[0]?.started_at ?? null,
    finished_at: status === 'finished' ? finished : null,
    elapsed_seconds: Number(elapsed.toFixed(3)),
    items_per_second: elapsed > 0 ? Number((generated / elapsed).toFixed(3)) : 0,
  };
}
