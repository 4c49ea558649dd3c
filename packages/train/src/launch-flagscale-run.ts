import { access, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '@aquila/files';
import { LaunchError } from './errors.js';
import { runCommandLine } from './internal/run-command-line.js';
import { recordRunners, runProcesses } from './internal/run-processes.js';
import { launcherLogFile, newRunRecord, type RunRecord, readRunRecord, writeRunRecord } from './internal/run-record.js';
import { type FlagScaleRunPlan, planFlagScaleRun } from './plan-flagscale-run.js';
import type { RunConfig } from './run-config.js';

/**
 * Launches a run on FlagScale: plans it (checking data and turning epochs into samples), writes the
 * Hydra configs and `run.json` into the run directory, and runs `run.py … action=run`, which starts the
 * job on every host of the hostfile and returns. A relaunch of the same directory resumes from its
 * latest checkpoint. Follow it with `followRun`, inspect it with `readRunStatus`, end it with `stopRun`.
 */
export async function launchFlagScaleRun(options: {
  config: RunConfig;
  signal?: AbortSignal;
}): Promise<FlagScaleRunPlan> {
  const { config, signal } = options;
  const plan = await planFlagScaleRun({ config, signal });
  const previous = await readRunRecord(plan.runDirectory).catch(() => undefined);
  if (
    previous !== undefined &&
    previous.state === 'launched' &&
    (await runProcesses(previous)).some(({ alive }) => alive !== false)
  ) {
    throw new LaunchError(
      `${plan.runDirectory} holds a run that is still running; stop it first (aquila train stop ${plan.runDirectory})`,
    );
  }
  try {
    await access(join(plan.run.cwd, 'run.py'));
  } catch (error) {
    throw new LaunchError(
      `${join(plan.run.cwd, 'run.py')} not found; set flagscale.root in the config to a FlagScale checkout`,
      { cause: error },
    );
  }
  await mkdir(plan.runDirectory, { recursive: true });
  for (const file of plan.files) {
    await mkdir(dirname(file.path), { recursive: true });
    await writeFileAtomic({ path: file.path, data: file.text, ...(signal === undefined ? {} : { signal }) });
  }
  const record: RunRecord = {
    ...newRunRecord(config, plan.totalIterations),
    engine: 'flagscale',
    experimentDirectory: plan.experimentDirectory,
    run: plan.run,
    stop: plan.stop,
    state: 'launching',
  };
  await writeRunRecord(plan.runDirectory, record);
  let exitCode: number;
  try {
    exitCode = await runCommandLine(plan.run, join(plan.runDirectory, launcherLogFile), signal);
  } catch (error) {
    await writeRunRecord(plan.runDirectory, { ...record, state: 'launch-failed', launcherExitCode: -1 });
    throw error;
  }
  if (exitCode !== 0) {
    await writeRunRecord(plan.runDirectory, { ...record, state: 'launch-failed', launcherExitCode: exitCode });
    throw new LaunchError(
      `FlagScale's run.py exited with code ${exitCode}; its output is in ${join(plan.runDirectory, launcherLogFile)}`,
    );
  }
  // The runner's PIDs with their start times: status and stop later trust a PID only while it is the same process.
  await writeRunRecord(plan.runDirectory, {
    ...record,
    state: 'launched',
    launcherExitCode: exitCode,
    runners: await recordRunners(plan.experimentDirectory),
  });
  return plan;
}
