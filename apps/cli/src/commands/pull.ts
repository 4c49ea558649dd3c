import type { Command } from 'commander';
import type { CommandContext } from '../program.js';
import { createProgress, type Progress } from '../progress.js';

/** `aquila pull REPO --out DIR`: download a hub checkpoint, resumable and checksummed. */
export function registerPullCommand(program: Command, context: CommandContext): void {
  program
    .command('pull')
    .description('download a model repository from the Hugging Face hub (resumable, checksummed)')
    .argument('<repo>', 'owner/name, e.g. BAAI/AquilaSQL-7B')
    .requiredOption('--out <dir>', 'folder to download into')
    .option('--revision <rev>', 'branch, tag or commit', 'main')
    .option('--endpoint <url>', 'hub base URL (default https://huggingface.co, or $HF_ENDPOINT)')
    .action(async (repo: string, options: { out: string; revision: string; endpoint?: string }) => {
      const { downloadHubFiles, isModelFile } = await import('@aquila/hub');
      let current: { file: string; progress: Progress } | undefined;
      const files = await downloadHubFiles({
        repo,
        directory: options.out,
        include: isModelFile,
        revision: options.revision,
        endpoint: options.endpoint ?? process.env.HF_ENDPOINT,
        token: process.env.HF_TOKEN,
        onProgress: ({ file, downloadedBytes, totalBytes, filesDone, filesTotal }) => {
          if (current?.file !== file) {
            current?.progress.finish();
            current = {
              file,
              progress: createProgress({
                label: `[${filesDone + 1}/${filesTotal}] ${file}`,
                stream: context.stderr,
                unit: 'MB',
              }),
            };
          }
          const megabytes = (bytes: number) => Math.round(bytes / 1e3) / 1e3;
          current.progress.update(
            megabytes(downloadedBytes),
            totalBytes === undefined ? undefined : megabytes(totalBytes),
          );
        },
      });
      current?.progress.finish();
      context.stdout.write(`pulled ${repo}@${options.revision} into ${options.out}: ${files.length} files\n`);
    });
}
