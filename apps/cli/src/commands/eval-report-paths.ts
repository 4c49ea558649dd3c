/** The report flags `aquila eval` writes after the whole run, for Spider and BIRD alike. */
export interface EvalReportFlags {
  perItem?: string;
  json?: string;
  html?: string;
}

/** Checks, before the run starts, that the reports asked for can be written and overwrite none of the inputs. */
export async function checkReportPaths(
  flags: EvalReportFlags,
  inputs: readonly { path: string | undefined; label: string }[],
): Promise<void> {
  const { checkOutputPaths } = await import('@aquila/files');
  const given = (entry: { path: string | undefined; label: string }): entry is { path: string; label: string } =>
    entry.path !== undefined;
  const outputs = [
    { path: flags.perItem, label: '--per-item' },
    { path: flags.json, label: '--json' },
    { path: flags.html, label: '--html' },
  ].filter(given);
  await checkOutputPaths({ outputs, inputs: inputs.filter(given) });
}
