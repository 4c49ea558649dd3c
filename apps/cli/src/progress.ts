export interface ProgressOptions {
  /** What is being done, shown before the counts. */
  label: string;
  /** Where to draw; a TTY gets a redrawn bar, anything else plain lines. */
  stream?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** The unit counted, e.g. `items` or `MB`. */
  unit?: string;
  /** Minimum milliseconds between plain lines (non-TTY). */
  lineIntervalMs?: number;
}

export interface Progress {
  /** Reports `done` of `total` (total may be unknown). */
  update(done: number, total?: number): void;
  /** Draws the final state and ends the line. */
  finish(): void;
}

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  if (seconds < 60) return `${seconds.toFixed(0)}s`;
  const minutes = Math.floor(seconds / 60);
  return minutes < 60
    ? `${minutes}m${String(Math.round(seconds % 60)).padStart(2, '0')}s`
    : `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

/** A progress display for long CLI work: a bar with rate and ETA on a TTY, a line every few seconds elsewhere. */
export function createProgress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  const unit = options.unit ?? 'items';
  const interactive = stream.isTTY === true;
  const lineInterval = options.lineIntervalMs ?? 5000;
  const started = performance.now();
  // Off a TTY the first line waits one interval, so a command that fails at once prints only its error line.
  let lastDraw = interactive ? 0 : started;
  let done = 0;
  let total: number | undefined;

  function render(): string {
    const elapsed = (performance.now() - started) / 1000;
    const rate = elapsed > 0 ? done / elapsed : 0;
    const rateText = `${rate >= 100 ? rate.toFixed(0) : rate.toFixed(1)} ${unit}/s`;
    if (total === undefined || total <= 0)
      return `${options.label} ${done} ${unit} ${rateText} ${formatDuration(elapsed)}`;
    const fraction = Math.min(1, done / total);
    const eta = rate > 0 ? (total - done) / rate : Number.NaN;
    const counts = `${done}/${total} ${rateText} ETA ${formatDuration(eta)}`;
    if (!interactive) return `${options.label} ${(fraction * 100).toFixed(0)}% ${counts}`;
    const width = Math.max(10, Math.min(40, (stream.columns ?? 80) - options.label.length - counts.length - 10));
    const filled = Math.round(fraction * width);
    return `${options.label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% ${counts}`;
  }

  return {
    update(value, newTotal) {
      done = value;
      if (newTotal !== undefined) total = newTotal;
      const now = performance.now();
      if (now - lastDraw < (interactive ? 100 : lineInterval)) return;
      lastDraw = now;
      stream.write(interactive ? `\r${render()}\u001b[K` : `${render()}\n`);
    },
    finish() {
      stream.write(interactive ? `\r${render()}\u001b[K\n` : `${render()}\n`);
    },
  };
}
