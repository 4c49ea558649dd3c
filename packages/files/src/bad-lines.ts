import { AquilaError } from '@aquila/errors';

export interface BadLineErrorOptions {
  /** The file (or `stdin`) the line came from. */
  source: string;
  /** 1-based line number. */
  line: number;
  /** What is wrong with the line, e.g. `not valid JSON (Unexpected token } at 4)`. */
  problem: string;
  cause?: unknown;
}

/**
 * A line of a user's file that cannot be read: broken JSON, a missing field, bytes that are not UTF-8.
 * Every reader of JSONL, CSV, prediction and gold files throws this (or a subclass), so one policy applies.
 */
export class BadLineError extends AquilaError {
  static override readonly code: string = 'AQUILA_BAD_LINE';
  readonly source: string;
  readonly line: number;
  readonly problem: string;

  constructor(options: BadLineErrorOptions) {
    super(
      `${options.source}:${options.line}: ${options.problem}; fix or remove the line, or pass --skip-bad-lines to skip such lines`,
      { cause: options.cause },
    );
    this.source = options.source;
    this.line = options.line;
    this.problem = options.problem;
  }
}

export interface BadLinePolicyOptions {
  /** Skip bad lines (and count them) instead of stopping at the first one. */
  skip?: boolean;
  /** How many skipped lines to remember for the report (default 5). */
  keep?: number;
}

/** A skipped line, as remembered for the report. */
export interface SkippedLine {
  source: string;
  line: number;
  problem: string;
}

/**
 * The one policy for bad lines: by default the first one stops the work (it is thrown); with `skip` each
 * is counted, the first few are remembered, and `describe()` says so in one line.
 */
export class BadLinePolicy {
  readonly skip: boolean;
  readonly #keep: number;
  #count = 0;
  readonly #first: SkippedLine[] = [];

  constructor(options: BadLinePolicyOptions = {}) {
    this.skip = options.skip === true;
    this.#keep = options.keep ?? 5;
  }

  /** Throws `error` unless skipping; otherwise records it and returns. */
  report(error: BadLineError): void {
    if (!this.skip) throw error;
    this.#count += 1;
    if (this.#first.length < this.#keep)
      this.#first.push({ source: error.source, line: error.line, problem: error.problem });
  }

  /** How many lines were skipped. */
  get count(): number {
    return this.#count;
  }

  /** The first skipped lines (at most `keep`). */
  get first(): readonly SkippedLine[] {
    return this.#first;
  }

  /** `skipped 3 bad lines (a.jsonl:2 not valid JSON, a.jsonl:7 …, …)`, or undefined when none was skipped. */
  describe(): string | undefined {
    if (this.#count === 0) return undefined;
    const shown = this.#first.map(({ source, line, problem }) => `${source}:${line} ${problem}`).join('; ');
    return `skipped ${this.#count} bad line${this.#count === 1 ? '' : 's'} (${shown}${this.#count > this.#first.length ? '; …' : ''})`;
  }
}
